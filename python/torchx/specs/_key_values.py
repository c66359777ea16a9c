# SPDX-License-Identifier: BSD-3-Clause
"""TorchX's ``k=v,k2=v2`` parser (``torchx.util.types.to_dict``), as the C++ ``parse_key_values``:
quotes protect ``= , ;``, pairs are separated by ``,`` or ``;`` (the last one before the next
``=``), values are returned as text."""

from typing import Dict, List, Tuple

_Text = List[Tuple[str, bool]]  # (character, quoted); ("", True) marks an empty quoted run


def _strip(t: _Text) -> _Text:
    b, e = 0, len(t)
    while b < e and not t[b][1] and t[b][0] in " \t\n":
        b += 1
    while e > b and not t[e - 1][1] and t[e - 1][0] in " \t\n":
        e -= 1
    return t[b:e]


def _clean(t: _Text) -> str:
    return "".join(c for c, _ in t)


def to_dict(arg: str) -> Dict[str, str]:
    """``"a=1,b=x;y,c='p=q'"`` -> ``{"a": "1", "b": "x;y", "c": "p=q"}``. Raises ValueError."""
    out: Dict[str, str] = {}
    if not arg:
        return out
    text: _Text = []
    quote = ""
    for c in arg:
        if quote:
            if c == quote:
                quote = ""
            else:
                text.append((c, True))
        elif c in "'\"":
            quote = c
            text.append(("", True))
        else:
            text.append((c, False))
    if quote:
        raise ValueError(f"invalid key=value list '{arg}': unterminated quote")
    pieces: List[_Text] = []
    current: _Text = []
    for ch in text:
        if ch == ("=", False):
            if _strip(current):
                pieces.append(_strip(current))
            current = []
        else:
            current.append(ch)
    if _strip(current):
        pieces.append(_strip(current))
    if len(pieces) < 2:
        raise ValueError(f"invalid key=value list '{arg}': expected at least one 'key=value' pair")

    def add(key: _Text, value: _Text) -> None:
        k = _clean(key)
        if not k:
            raise ValueError(f"invalid key=value list '{arg}': empty key")
        if k in out:
            raise ValueError(f"invalid key=value list '{arg}': '{k}' given twice")
        out[k] = _clean(value)

    key = pieces[0]
    for vk in pieces[1:-1]:
        idx = next((j for j in range(len(vk) - 1, -1, -1) if not vk[j][1] and vk[j][0] in ",;"), -1)
        if idx <= 0 or idx + 1 == len(vk):
            raise ValueError(
                f"invalid key=value list '{arg}': cannot split '{_clean(vk)}' into a value and the next key"
                " (separate pairs with ',' or ';')"
            )
        add(key, _strip(vk[:idx]))
        key = _strip(vk[idx + 1 :])
    add(key, pieces[-1])
    return out


def to_list(arg: str) -> List[str]:
    """``"a, b,c"`` -> ``["a", "b", "c"]``; ``""`` -> ``[]``."""
    return [] if not arg else [s.strip() for s in arg.split(",")]
