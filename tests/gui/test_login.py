"""Sign-in: wrong password, remember-me with and without a keyring, first administrator."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from videolab.gui.app import Launcher
from videolab.gui.keyring_store import TokenStore
from videolab.gui.login import FIRST_ADMIN, LOADING, SIGN_IN, LoginDialog
from videolab.services.app import VideoLab
from videolab.services.seed import DEMO_PASSWORD
from videolab.settings import database_url


def ready(qtbot, dialog: LoginDialog, app: VideoLab) -> None:  # type: ignore[no-untyped-def]
    """Hand the dialog its database; it asks whether accounts exist off the GUI thread."""
    dialog.set_app(app)
    assert dialog.mode == LOADING
    qtbot.waitUntil(lambda: dialog.mode != LOADING, timeout=10_000)


def sign_in(qtbot, dialog: LoginDialog, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    dialog.email.setText(email)
    dialog.password.setText(password)
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)


def test_wrong_password_is_shown_in_the_dialog(qtbot, app: VideoLab) -> None:  # type: ignore[no-untyped-def]
    dialog = LoginDialog(TokenStore("test"))
    qtbot.addWidget(dialog)
    ready(qtbot, dialog, app)
    dialog.show()
    assert dialog.mode == SIGN_IN
    sign_in(qtbot, dialog, "alice@example.com", "not the password")
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=10_000)
    assert dialog.error.text() == "Wrong email or password."
    qtbot.waitUntil(lambda: dialog.submit.isEnabled(), timeout=5_000)
    # Typing goes on in the password field, its old text selected: Enter must not hit Quit.
    assert dialog.focusWidget() is dialog.password
    assert dialog.password.selectedText() == "not the password"
    # The error line made the form taller: the dialog grew instead of squeezing the fields.
    assert dialog.height() >= dialog.sizeHint().height()
    for field in (dialog.email, dialog.password):
        assert field.height() >= field.sizeHint().height()
    dialog.close()


def test_without_keyring_remember_me_is_off(qtbot, app: VideoLab, no_keyring) -> None:  # type: ignore[no-untyped-def]
    store = TokenStore("test")
    assert not store.available
    dialog = LoginDialog(store)
    qtbot.addWidget(dialog)
    ready(qtbot, dialog, app)
    dialog.show()
    assert not dialog.remember.isEnabled()
    assert "Remember-me is off" in dialog.keyring_note.text()
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signal:
        sign_in(qtbot, dialog, "alice@example.com", DEMO_PASSWORD)
    user, token = signal.args
    assert user.email == "alice@example.com" and token is None


def test_remember_me_stores_a_token_and_resumes_the_session(
    qtbot,
    app: VideoLab,
    app_db: Path,
    memory_keyring,  # type: ignore[no-untyped-def]
) -> None:
    store = TokenStore(database_url(str(app_db)))
    assert store.available
    dialog = LoginDialog(store)
    qtbot.addWidget(dialog)
    ready(qtbot, dialog, app)
    dialog.remember.setChecked(True)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signal:
        sign_in(qtbot, dialog, "bob@example.com", DEMO_PASSWORD)
    token = signal.args[1]
    assert token and store.load() == token

    # A new start finds the token and skips the dialog; signing out revokes and forgets it.
    launcher = Launcher(str(app_db))
    launcher.start()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=20_000)
    window = launcher.window
    assert window is not None
    qtbot.addWidget(window)
    assert window.session.user.email == "bob@example.com"
    launcher.sign_out()
    assert store.load() is None
    qtbot.waitUntil(lambda: not launcher.ops.busy, timeout=10_000)  # the token is revoked
    assert launcher.dialog is not None and launcher.dialog.isVisible()
    qtbot.addWidget(launcher.dialog)
    launcher.dialog.close()
    assert launcher.lab is not None
    try:
        from videolab.domain.errors import AuthenticationFailed

        try:
            launcher.lab.auth.login_with_token(token)
        except AuthenticationFailed:
            pass
        else:
            raise AssertionError("the token still works after signing out")
    finally:
        launcher.lab.close()


def test_first_start_creates_the_administrator(qtbot, tmp_home, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lab = VideoLab.open(str(tmp_path / "empty.db"))
    try:
        dialog = LoginDialog(TokenStore("empty"))
        qtbot.addWidget(dialog)
        ready(qtbot, dialog, lab)
        assert dialog.mode == FIRST_ADMIN
        assert dialog.confirm.isVisibleTo(dialog)
        dialog.email.setText("root@example.com")
        dialog.password.setText("a long password")
        dialog.confirm.setText("a different one")
        qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
        assert dialog.error.text() == "The two passwords differ."
        dialog.confirm.setText("a long password")
        with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signal:
            qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
        assert signal.args[0].is_admin
        assert not lab.auth.needs_first_admin()
    finally:
        lab.close()


def test_the_dialog_grows_to_fit_the_demo_hint(qtbot, app: VideoLab) -> None:  # type: ignore[no-untyped-def]
    """Shown while the database opens, the dialog then gets a three-line demo hint; it must
    grow instead of squeezing the fields to a few pixels (seen on X11 with openbox)."""
    dialog = LoginDialog(TokenStore("test"), demo=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.set_app(app, needs_first_admin=False)
    qtbot.wait(50)
    assert dialog.height() >= dialog.sizeHint().height()
    assert dialog.email.height() >= dialog.email.minimumSizeHint().height()
