"""The layouts that broke on a real screen (issue 11), checked in a real X11 window.

"Clipped" is defined in ``layout_audit``: a visible label, button, check box, line edit,
combo or spin box smaller than its minimum size hint (a non-wrapping label: its text does not
fit), a wrapping label lower than its wrapped text, or a widget reaching past its parent.
"""

from __future__ import annotations

import pytest
from screens import LOGIN_SCREENS, MAIN_SCREENS

pytestmark = pytest.mark.realwindow


def test_the_tour_ran_on_x11(tour: dict[str, object]) -> None:
    assert tour["platform"] == "xcb"
    assert "tour-failed" not in tour, tour.get("tour-failed")


@pytest.mark.parametrize("screen", [*LOGIN_SCREENS, *MAIN_SCREENS])
def test_nothing_is_clipped(tour: dict[str, object], screen: str) -> None:
    assert screen in tour, f"the tour never reached {screen}: {tour.get('tour-failed')}"
    assert tour[screen] == [], "\n".join(map(str, tour[screen]))  # type: ignore[arg-type]


@pytest.mark.parametrize("screen", LOGIN_SCREENS)
def test_sign_in_fields_have_at_least_their_size_hint(
    tour: dict[str, object], screen: str
) -> None:
    facts = tour["login-facts"][screen]  # type: ignore[index]
    for field in ("email", "password"):
        height, hint = facts[field]
        assert height >= hint, f"{screen}: the {field} field is {height} px high, needs {hint}"


def test_after_a_wrong_password_the_focus_is_in_the_password_field(
    tour: dict[str, object],
) -> None:
    facts = tour["login-facts"]["login-wrong-password"]  # type: ignore[index]
    assert facts["active"], "the sign-in dialog is not the active window"
    assert facts["focus_is_password"], f"the focus is on {facts['focus']}"
    assert facts["password_selected"], "the wrong password is not selected for retyping"
