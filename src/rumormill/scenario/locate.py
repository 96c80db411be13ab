"""Find the line of a key in TOML text, for error messages (best effort).

``key_lines(text)`` scans the text once and maps every table header, key and
element of a multi-line array to its line number, by path:
``("measures", 2, "probability")`` is the ``probability`` key of the third
``[[measures]]`` table. ``line_of(lines, path)`` returns the line of the
path, or of its nearest enclosing table when the key is absent (a missing
key is reported at its table's header). The scan understands table headers,
arrays of tables, dotted and quoted keys, strings (also multi-line) and
arrays spanning several lines; what it cannot place it skips: a wrong line
number must never hide the error itself.
"""

from __future__ import annotations

import re

_BARE = re.compile(r"[A-Za-z0-9_\-]+")


def format_path(path) -> str:
    """``("measures", 2, "probability")`` -> ``measures[2].probability``; odd keys quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            key = str(part) if _BARE.fullmatch(str(part)) else '"' + str(part).replace('"', '\\"') + '"'
            out += ("." if out else "") + key
    return out or "(top level)"


def line_of(lines: dict, path) -> int | None:
    """Line of ``path``, or of its closest enclosing entry that has one."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def _keys(s: str, i: int):
    """Parse a dotted key at ``s[i:]``; return (parts, index after it) or (None, i)."""
    parts = []
    while True:
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] in "\"'":
            q = s[i]
            j = i + 1
            buf = []
            while j < len(s) and s[j] != q:
                if q == '"' and s[j] == "\\" and j + 1 < len(s):
                    buf.append(s[j + 1])
                    j += 2
                    continue
                buf.append(s[j])
                j += 1
            if j >= len(s):
                return None, i
            parts.append("".join(buf))
            i = j + 1
        else:
            m = _BARE.match(s, i)
            if not m:
                return None, i
            parts.append(m.group())
            i = m.end()
        while i < len(s) and s[i] in " \t":
            i += 1
        if i < len(s) and s[i] == ".":
            i += 1
            continue
        return parts, i


class _Scanner:
    def __init__(self):
        self.lines: dict[tuple, int] = {}
        self.arrays: dict[tuple, int] = {}  # resolved path of an array of tables -> last index
        self.table: tuple = ()
        #: an open value: [path, bracket depth, element index, expecting an element, is an array]
        self.value: list | None = None
        self.string: str | None = None  # open multi-line string delimiter

    def resolve(self, parts) -> tuple:
        out: tuple = ()
        for p in parts:
            out += (p,)
            if out in self.arrays:
                out += (self.arrays[out],)
        return out

    def header(self, s: str, n: int) -> None:
        double = s.startswith("[[")
        parts, i = _keys(s, 2 if double else 1)
        if parts is None:
            return
        if double:
            base = self.resolve(parts[:-1]) + (parts[-1],)
            self.arrays[base] = self.arrays.get(base, -1) + 1
            self.table = base + (self.arrays[base],)
            self.lines.setdefault(base, n)
        else:
            self.table = self.resolve(parts)
        self.lines[self.table] = n

    def scan_value(self, s: str, i: int, n: int) -> None:
        """Walk a value from ``s[i]``, tracking strings and brackets across lines."""
        st = self.value
        while i < len(s):
            if self.string:
                j = s.find(self.string, i)
                if j < 0:
                    return
                i = j + 3
                self.string = None
                continue
            c = s[i]
            if c == "#":
                return
            if st is not None and st[4] and st[1] == 1 and st[3] and c not in " \t,]":
                self.lines.setdefault(st[0] + (st[2],), n)
                st[3] = False
            if s.startswith('"""', i) or s.startswith("'''", i):
                self.string = s[i : i + 3]
                i += 3
            elif c in "\"'":
                j = i + 1
                while j < len(s) and s[j] != c:
                    j += 2 if (c == '"' and s[j] == "\\") else 1
                i = j + 1
            elif c in "[{":
                if st is not None:
                    st[1] += 1
                i += 1
            elif c in "]}":
                if st is not None:
                    st[1] -= 1
                    if st[1] == 0:
                        self.value = st = None
                i += 1
            elif c == "," and st is not None and st[4] and st[1] == 1:
                st[2] += 1
                st[3] = True
                i += 1
            else:
                i += 1

    def line(self, raw: str, n: int) -> None:
        if self.string or self.value is not None:
            self.scan_value(raw, 0, n)
            return
        s = raw.strip()
        if not s or s.startswith("#"):
            return
        if s.startswith("["):
            self.header(s, n)
            return
        parts, i = _keys(s, 0)
        if parts is None or i >= len(s) or s[i] != "=":
            return
        path = self.table + tuple(parts)
        self.lines[path] = n
        j = i + 1
        while j < len(s) and s[j] in " \t":
            j += 1
        if j < len(s) and s[j] in "[{":
            self.value = [path, 0, 0, True, s[j] == "["]
        self.scan_value(s, j, n)
        if self.value is not None and self.value[1] == 0:
            self.value = None


def key_lines(text: str) -> dict[tuple, int]:
    """Map the paths of the tables, keys and multi-line array elements of ``text`` to line numbers (1-based).

    >>> lines = key_lines('[a]\\nx = 1\\n[[b]]\\ny = [\\n  1,\\n  2,\\n]\\n[[b]]\\n"q r".s = 3\\n')
    >>> lines[("a", "x")], lines[("b", 0, "y", 1)], lines[("b", 1, "q r", "s")]
    (2, 6, 9)
    """
    sc = _Scanner()
    for n, raw in enumerate(text.splitlines(), start=1):
        try:
            sc.line(raw, n)
        except (IndexError, ValueError):  # a line the scanner cannot follow: skip it
            sc.value = sc.string = None
    return sc.lines
