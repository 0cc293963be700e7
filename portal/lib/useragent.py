"""A coarse description of a browser from its User-Agent header: "Firefox on Windows". Enough
for a person to recognise their own devices in "Your sign-ins"; the full header (a fingerprint)
is never stored."""

from __future__ import annotations

# Order matters: Edge and Opera say "Chrome", Chrome says "Safari".
_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari")]
_SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"),
            ("CrOS", "ChromeOS"), ("Linux", "Linux")]


def device_describe(user_agent: str) -> str:
    ua = (user_agent or "")[:1000]
    browser = next((name for marker, name in _BROWSERS if marker in ua), "")
    system = next((name for marker, name in _SYSTEMS if marker in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
