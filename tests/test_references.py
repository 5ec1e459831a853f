"""A request's reference: room for a region's decades, and easy to read aloud on the phone."""

from __future__ import annotations

import re

from sipbot.requests import ALPHABET, new_reference

# Old references (SIP-7K3Q, widened SIP-7K3QM9) are stored as given and stay valid; new ones
# have seven characters in two groups.
NEW = re.compile(rf"SIP-[{ALPHABET}]{{4}}-[{ALPHABET}]{{3}}")


def test_a_new_reference_has_seven_characters_in_two_groups() -> None:
    refs = {new_reference() for _ in range(500)}
    assert all(NEW.fullmatch(r) for r in refs), sorted(refs)[:5]
    assert len(refs) == 500  # 31**7 values: no repeat among a few hundred


def test_no_character_that_is_misheard_or_misread() -> None:
    # 0/O and 1/I/L sound or look alike when read aloud or copied from a screen.
    assert not set("0O1IL") & set(ALPHABET)
    given = "".join(new_reference().removeprefix("SIP-") for _ in range(200))
    assert not set("0O1IL") & set(given)
