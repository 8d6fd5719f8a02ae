from __future__ import annotations

import pytest

from lti_tool.certificates import codes


def test_new_codes_are_16_characters_of_the_crockford_alphabet_and_differ():
    made = {codes.new_code() for _ in range(200)}
    assert len(made) == 200
    assert all(len(c) == 16 and set(c) <= set(codes.ALPHABET) for c in made)


def test_display_groups_by_four_and_normalise_reads_it_back():
    code = "7K3MQ9XR2D4THB6W"
    assert codes.display(code) == "7K3M-Q9XR-2D4T-HB6W"
    assert codes.normalise("7K3M-Q9XR-2D4T-HB6W") == code
    assert codes.normalise(" 7k3m q9xr 2d4t hb6w ") == code


def test_confusable_letters_are_read_as_the_digits_they_look_like():
    assert codes.normalise("OOOO-IIII-LLLL-0000") == "0000111111110000"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "short",
        "7K3M-Q9XR-2D4T-HB6",
        "7K3M-Q9XR-2D4T-HB6WX",
        "UUUU-UUUU-UUUU-UUUU",
        "7K3M-Q9XR-2D4T-HB6!",
        "../../etc/passwd",
    ],
)
def test_anything_that_cannot_be_a_code_is_refused(raw):
    assert codes.normalise(raw) is None
