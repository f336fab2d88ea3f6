"""Unit text as people type it on an order → UN/ECE Recommendation 20 code (BT-130).

Peppol only accepts Rec 20/21 codes (BR-CL-23); the look-alikes "HRS", "PCE", "PCS", "KG", "M",
"M2" and "L" are rejected, so nothing typed is passed through. Case, surrounding spaces, a
trailing dot and a plural "s" do not matter.

    HUR  hour        h, hr, hrs, hour(s), hora(s)
    MIN  minute      min, mins, minute(s), minuto(s)
    DAY  day         d, day(s), día(s), dia(s)
    MON  month       month(s), mes, meses
    H87  piece       pc, pcs, piece(s), unit(s), u, ud, uds, unidad(es)
    EA   each        each, ea
    MTR  metre       m, metre(s), meter(s), metro(s)
    KMT  kilometre   km, kms
    MTK  m²          m2, m², sqm
    MTQ  m³          m3, m³
    LTR  litre       l, lt, litre(s), liter(s), litro(s)
    KGM  kilogram    kg, kgs
    KWH  kWh         kwh
    LS   lump sum    lump sum, ls, flat
    C62  one         visit, service, job, "" and anything not above
"""

from __future__ import annotations

ONE = "C62"

_CODES = {
    "HUR": ("h", "hr", "hour", "hora"),
    "MIN": ("min", "minute", "minuto"),
    "DAY": ("d", "day", "día", "dia"),
    "MON": ("month", "mes", "meses"),
    "H87": ("pc", "piece", "unit", "u", "ud", "unidad", "unidades"),
    "EA": ("each", "ea"),
    "MTR": ("m", "metre", "meter", "metro"),
    "KMT": ("km",),
    "MTK": ("m2", "m²", "sqm"),
    "MTQ": ("m3", "m³"),
    "LTR": ("l", "lt", "litre", "liter", "litro"),
    "KGM": ("kg",),
    "KWH": ("kwh",),
    "LS": ("lump sum", "ls", "flat"),
}
_BY_TEXT = {text: code for code, texts in _CODES.items() for text in texts}


def unit_code(unit: str) -> str:
    """Gives the Rec 20 code for unit text; C62 ("one") when the text means no known unit."""
    text = " ".join(unit.lower().split()).rstrip(".")
    if text in _BY_TEXT:
        return _BY_TEXT[text]
    if text.endswith("s") and text[:-1] in _BY_TEXT:  # hours, pcs, uds, litres, kms
        return _BY_TEXT[text[:-1]]
    return ONE
