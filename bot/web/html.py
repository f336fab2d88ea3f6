"""The order page as HTML: plain, server-rendered, every text escaped, no inline script or style
(the CSP forbids both), labels on every field, readable on a phone in a basement."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

CSS_PATH = "-/page.css"  # relative to /o/{token}: right behind a proxy that serves the bot under a path
JS_PATH = "-/sign.js"


@dataclass(frozen=True)
class Step:
    label: str
    when: str = ""  # "" : not yet
    done: bool = True


@dataclass(frozen=True)
class SignForm:
    """The sign-off form: where it posts, its CSRF token, what was shown, and what to say."""

    action: str
    csrf: str
    shown: str  # "revision:sha256" of the PDF on the page
    name: str = ""  # as typed before an error
    errors: dict[str, str] = field(default_factory=dict)  # "name" | "signature" | "form" → text
    again: str = ""  # why a signature is asked for again (an earlier one no longer valid)


@dataclass(frozen=True)
class Page:
    company: str
    number: str
    title: str
    status: str
    client: str
    site: str
    planned: str
    technicians: list[str]
    steps: list[Step]
    pdf_url: str
    pdf_label: str
    logo_src: str = ""  # a data: URL
    signed: str = ""  # "Signed by Marta Ruiz on 14 January 2027, 16:40" when valid
    form: SignForm | None = None
    notice: str = ""  # said at the top (e.g. "Thank you: the work is signed.")
    closed_note: str = ""  # why there is nothing to sign yet


def _e(text: str) -> str:
    return escape(text, quote=True)


def _head(title: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="robots" content="noindex, nofollow">\n'
        '<link rel="icon" href="data:,">\n'  # no favicon request (it would be a 404)
        f"<title>{_e(title)}</title>\n"
        f'<link rel="stylesheet" href="{CSS_PATH}">\n</head>\n'
    )


def not_found() -> str:
    """The page for any link that does not lead to an order: nothing about any order."""
    return (
        _head("Page not found")
        + "<body>\n<main>\n<h1>Page not found</h1>\n"
        + "<p>This link does not work (it may have expired). "
        + "Ask the company that sent it for a new one.</p>\n"
        + "</main>\n</body>\n</html>\n"
    )


def _form(f: SignForm) -> str:
    err = f.errors
    parts = [
        '<section class="sign" aria-labelledby="sign-title">',
        '<h2 id="sign-title">Sign to confirm the work</h2>',
    ]
    if f.again:
        parts.append(f'<p class="warn">{_e(f.again)}</p>')
    if err.get("form"):
        parts.append(f'<p class="error" role="alert">{_e(err["form"])}</p>')
    parts.append(
        f'<form method="post" action="{_e(f.action)}" id="sign-form" novalidate>'
        f'<input type="hidden" name="csrf" value="{_e(f.csrf)}">'
        f'<input type="hidden" name="shown" value="{_e(f.shown)}">'
        '<input type="hidden" name="signature" id="signature" value="">'
    )
    name_err = err.get("name", "")
    parts.append(
        '<label for="name">Your name</label>'
        f'<input id="name" name="name" type="text" maxlength="100" autocomplete="name" required '
        f'value="{_e(f.name)}"'
        + (' aria-invalid="true" aria-describedby="name-error"' if name_err else "")
        + ">"
        + (f'<p class="error" id="name-error" role="alert">{_e(name_err)}</p>' if name_err else "")
    )
    sig_err = err.get("signature", "")
    parts.append(
        '<p class="label" id="pad-label">Your signature</p>'
        '<p class="hint" id="pad-hint">Draw it in the box with a finger or the mouse. '
        "With the keyboard: type your name above, then use “Sign with my typed name”.</p>"
        '<canvas id="pad" width="600" height="200" tabindex="0" role="img" '
        'aria-labelledby="pad-label" aria-describedby="pad-hint"></canvas>'
        '<div class="pad-buttons"><button type="button" id="clear">Clear</button>'
        '<button type="button" id="typed">Sign with my typed name</button></div>'
        f'<p class="error" id="signature-error" role="alert">{_e(sig_err)}</p>'
        '<noscript><p class="error">Signing needs JavaScript, which is off in this browser.</p></noscript>'
        '<p class="small">By signing you confirm that the work described in the order above was carried '
        "out. Your name, the time, your IP address and your browser are recorded with the signature.</p>"
        '<button type="submit" class="primary" id="submit">Sign to confirm the work</button>'
        "</form></section>"
    )
    return "\n".join(parts)


def order_page(p: Page) -> str:
    title = f"{p.number} · {p.company}"
    out = [_head(title), "<body>", "<header>"]
    if p.logo_src:
        out.append(f'<img class="logo" src="{_e(p.logo_src)}" alt="{_e(p.company)}">')
    out.append(f'<p class="company">{_e(p.company)}</p></header>')
    out.append("<main>")
    if p.notice:
        out.append(f'<p class="notice" role="status">{_e(p.notice)}</p>')
    out.append(f"<h1>Service order {_e(p.number)}</h1>")
    out.append(f'<p class="title">{_e(p.title)}</p>')
    facts = [("Status", p.status), ("Client", p.client), ("Site", p.site)]
    if p.planned:
        facts.append(("Planned", p.planned))
    if p.technicians:
        facts.append(("Technicians", ", ".join(p.technicians)))
    out.append("<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts) + "</dl>")
    out.append(
        '<h2 id="timeline-title">What happened</h2><ol class="timeline" aria-labelledby="timeline-title">'
    )
    for s in p.steps:
        cls = "done" if s.done else "todo"
        when = f' <span class="when">{_e(s.when)}</span>' if s.when else ""
        out.append(f'<li class="{cls}"><span class="step">{_e(s.label)}</span>{when}</li>')
    out.append("</ol>")
    out.append(
        f'<p class="pdf"><a href="{_e(p.pdf_url)}" download>Download the order (PDF)</a> '
        f'<span class="small">{_e(p.pdf_label)}</span></p>'
    )
    if p.signed:
        out.append(f'<p class="signed" role="status">{_e(p.signed)}</p>')
    if p.form is not None:
        out.append(_form(p.form))
    elif p.closed_note:
        out.append(f'<p class="small">{_e(p.closed_note)}</p>')
    out.append("</main>")
    if p.form is not None:
        out.append(f'<script src="{JS_PATH}" defer></script>')
    out.append("</body>\n</html>\n")
    return "\n".join(out)
