"""The customer's link to an order's page: {public_url}/o/{token}, the token signed and dated with
itsdangerous (HMAC-SHA256 over the order's id and number and the time it was made). A link works for
link_days after it was made; one that is expired, tampered with or names an order that is gone is
None here, and a plain 404 on the page."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "order-page"
TOKEN_MAX = 200  # characters: a token is ~60; anything longer is not ours


@dataclass(frozen=True)
class Links:
    secret: str
    public_url: str  # "": no links (nowhere to point them)
    days: int = 90

    @property
    def enabled(self) -> bool:
        return bool(self.secret and self.public_url)

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=SALT)

    def token(self, order_id: int, number: str) -> str:
        return str(self._serializer().dumps([order_id, number]))

    def url(self, order_id: int, number: str) -> str:
        """The order's page, or "" when links are not configured."""
        if not self.enabled:
            return ""
        return f"{self.public_url}/o/{self.token(order_id, number)}"

    def read(self, token: str) -> tuple[int, str] | None:
        """(order id, number) a valid, unexpired token names; None for anything else."""
        if not self.secret or not token or len(token) > TOKEN_MAX:
            return None
        try:
            value = self._serializer().loads(token, max_age=self.days * 86400)
        except (BadSignature, ValueError, TypeError):  # expired is a BadSignature too
            return None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not isinstance(value[0], int)
            or isinstance(value[0], bool)
            or not isinstance(value[1], str)
        ):
            return None
        return value[0], value[1]


def links_of(settings: object) -> Links:
    """The links of the bot's settings (bot.config.Settings)."""
    return Links(
        getattr(settings, "link_secret", ""),
        getattr(settings, "public_url", ""),
        getattr(settings, "link_days", 90),
    )
