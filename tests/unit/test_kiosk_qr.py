"""The QR code a kiosk shows: SVG drawn on the server, named for screen readers, black on
white, and nothing in it that a page's Content-Security-Policy would block."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from portal.kiosk.qr import qr_svg


def test_the_qr_code_is_an_accessible_svg():
    svg = qr_svg("https://portal.example/k/" + "A" * 43, 'The code "of" <your> link')
    root = ET.fromstring(str(svg))
    assert root.tag.endswith("svg")
    assert root.get("role") == "img"
    assert root.get("aria-label") == 'The code "of" <your> link'
    assert root.get("class") == "qr-code"
    assert root.get("viewBox", "").startswith("0 0 ")
    assert "width" not in root.attrib  # sized by the stylesheet
    assert "<script" not in svg and "style=" not in svg
    colours = {element.get("fill") or element.get("stroke") for element in root.iter() if element is not root}
    assert colours == {"#fff", "#000"}  # white behind, black modules, in every colour scheme


def test_a_longer_address_makes_a_bigger_code():
    small = ET.fromstring(str(qr_svg("https://a.example/k/x", "code")))
    big = ET.fromstring(str(qr_svg("https://portal.example/k/" + "A" * 43, "code")))
    assert int(big.get("viewBox").split()[2]) > int(small.get("viewBox").split()[2])
