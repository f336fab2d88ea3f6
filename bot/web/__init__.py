"""The customer's side of an order, outside Slack: a page per order behind a signed link (no login),
where the customer follows the order, downloads its PDF and signs the work off.

    links.py    the signed, dated links: {SO_PUBLIC_URL}/o/{token}
    drawing.py  the signature drawing the page posts: checked, measured, re-encoded
    html.py     the page itself, server-rendered (escaped; no inline script or style)
    pages.py    the requests: GET the page and the PDF, POST the sign-off
    asgi.py     the HTTP side: body limits, headers (CSP and friends), the worker threads
"""
