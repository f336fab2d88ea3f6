"""Webhook signatures: v1=HMAC-SHA256(secret, "v1:{timestamp}:{body}"), checked with a tolerance window."""

import hashlib
import hmac

from invoicing import headers, sign, verify

SECRET = "whsec_3f9c1e0a7b"
BODY = '{"number":"SO-0042-r3","buyer":"Clínica Dental Sonrisa"}'.encode()
NOW = 1_793_700_000.75


def test_known_vector():
    expected = hmac.new(SECRET.encode(), b"v1:1793700000:" + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1_793_700_000, BODY) == "v1=" + expected


def test_headers_carry_timestamp_signature_and_idempotency_key():
    sent = headers(SECRET, BODY, "so-0042-r3-invoice", NOW)
    assert sent == {
        "Content-Type": "application/json",
        "X-SO-Timestamp": "1793700000",
        "X-SO-Signature": sign(SECRET, 1_793_700_000, BODY),
        "Idempotency-Key": "so-0042-r3-invoice",
    }


def test_round_trip():
    sent = headers(SECRET, BODY, "k", NOW)
    assert verify(SECRET, sent["X-SO-Timestamp"], sent["X-SO-Signature"], BODY, NOW + 5)


def test_tampering_and_staleness_are_refused():
    sent = headers(SECRET, BODY, "k", NOW)
    ts, sig = sent["X-SO-Timestamp"], sent["X-SO-Signature"]
    assert not verify("another secret", ts, sig, BODY, NOW)
    assert not verify(SECRET, ts, sig, BODY + b" ", NOW)
    assert not verify(SECRET, ts, sig, BODY, NOW + 301)
    assert not verify(SECRET, ts, sig, BODY, NOW - 301)
    assert verify(SECRET, ts, sig, BODY, int(NOW) + 300)


def test_missing_or_garbled_headers_are_refused():
    sent = headers(SECRET, BODY, "k", NOW)
    ts, sig = sent["X-SO-Timestamp"], sent["X-SO-Signature"]
    garbled = [(None, sig), (ts, None), ("", sig), (ts, ""), ("soon", sig), ("1e9", sig), (" " + ts, sig)]
    garbled += [(ts, sig[3:]), (ts, "v1=ñ" + sig[4:]), (ts, sig.upper()), (ts, sig + "0")]
    for timestamp, signature in garbled:
        assert not verify(SECRET, timestamp, signature, BODY, NOW), (timestamp, signature)


def test_an_empty_secret_verifies_nothing():
    sig = sign("", int(NOW), BODY)
    assert not verify("", str(int(NOW)), sig, BODY, NOW)
