"""Admin screen: accounts, roles, recharges, ledgers, tags; hidden from plain users."""

from __future__ import annotations

from gui_helpers import open_window, wait_idle

from videolab.domain.enums import Role
from videolab.gui.main_window import MainWindow
from videolab.gui.widgets.dialogs import LedgerDialog


def select_user(panel, email: str) -> None:  # type: ignore[no-untyped-def]
    row = next(i for i, u in enumerate(panel.users.rows()) if u.email == email)
    view = panel.user_view
    view.setCurrentIndex(view.model().mapFromSource(panel.users.index(row, 0)))


def test_plain_users_see_no_admin_tab(window: MainWindow) -> None:
    assert not window.tabs.isTabVisible(window.admin_index)
    # Nor reach it through View > Admin (Ctrl+4), nor find it among the shortcuts.
    assert not window.admin_view_action.isVisible()
    window.admin_view_action.trigger()
    assert window.tabs.currentIndex() != window.admin_index
    assert "Admin" not in [name for name, _ in window.shortcuts()]


def test_a_user_after_an_admin_does_not_open_on_the_admin_page(  # type: ignore[no-untyped-def]
    qtbot, app, demo
) -> None:
    admin = open_window(qtbot, app, demo.admin)
    admin.show_tab(admin.admin_index)
    assert admin.tabs.currentIndex() == admin.admin_index
    admin.close()  # remembers the admin page as the last tab
    user = open_window(qtbot, app, demo.alice)
    assert user.tabs.currentIndex() != user.admin_index
    user.close()


def test_accounts_roles_recharge_and_ledger(qtbot, admin_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    window = admin_window
    panel = window.admin
    assert window.tabs.isTabVisible(window.admin_index)
    assert {u.email for u in panel.users.rows()} >= {"admin@example.com", "bob@example.com"}

    panel.add_user()
    dialog = panel.dialog
    dialog.email.setText("carol@example.com")
    dialog.password.setText("carol's password")
    dialog.tokens.setValue(2.5)
    dialog.accept()
    wait_idle(qtbot, window)
    carol = next(u for u in panel.users.rows() if u.email == "carol@example.com")
    assert carol.tokens_milli == 2500

    # the only administrator cannot be demoted: the reason is shown
    select_user(panel, "admin@example.com")
    panel.set_role(Role.USER)
    wait_idle(qtbot, window)
    assert "at least one administrator" in window.message_bar.text()

    select_user(panel, "carol@example.com")
    panel.set_role(Role.ADMIN)
    wait_idle(qtbot, window)
    assert next(u for u in panel.users.rows() if u.email == "carol@example.com").is_admin

    select_user(panel, "bob@example.com")
    panel.recharge()
    # A short title (a long one was cut to "Recharge ali…"); the body names the account.
    assert panel.dialog.windowTitle() == "Recharge account"
    assert "bob@example.com" in panel.dialog.account.text()
    assert "50 tokens" in panel.dialog.account.text()
    panel.dialog.amount.setValue(7.25)
    panel.dialog.accept()
    wait_idle(qtbot, window)
    bob = next(u for u in panel.users.rows() if u.email == "bob@example.com")
    assert bob.tokens_milli == 57_250
    assert "Added 7.25 tokens to bob@example.com" in window.message_bar.text()

    select_user(panel, "bob@example.com")
    panel.show_ledger()  # the ledger is read off the GUI thread; the dialog opens with it
    qtbot.waitUntil(lambda: isinstance(panel.dialog, LedgerDialog), timeout=10_000)
    assert isinstance(panel.dialog, LedgerDialog)
    reasons = [panel.dialog.model.index(r, 2).data() for r in range(panel.dialog.model.rowCount())]
    assert reasons[0] == "Recharge"
    panel.dialog.close()


def test_disable_enable_reset_password_and_delete_accounts(  # type: ignore[no-untyped-def]
    qtbot, admin_window: MainWindow, confirm_yes
) -> None:
    """Issue 10 item 11: the Admin panel's Account menu, through the same services as the CLI."""
    window = admin_window
    panel = window.admin
    app = window.session.app

    def row(email: str):  # type: ignore[no-untyped-def]
        return next(u for u in panel.users.rows() if u.email == email)

    select_user(panel, "admin@example.com")  # one's own account: not from here
    assert not panel.delete_action.isEnabled() and not panel.disable_action.isEnabled()

    select_user(panel, "bob@example.com")
    assert panel.delete_action.isEnabled() and panel.disable_action.isVisible()
    panel.disable_user()
    wait_idle(qtbot, window)
    assert row("bob@example.com").is_disabled
    assert "sessions are ended" in window.message_bar.text()
    assert any("bob@example.com" in text for text in confirm_yes)
    status = panel.users.index(panel.users.rows().index(row("bob@example.com")), 2).data()
    assert status == "Disabled"

    select_user(panel, "bob@example.com")
    assert panel.enable_action.isVisible() and not panel.disable_action.isVisible()
    panel.enable_user()
    wait_idle(qtbot, window)
    assert not row("bob@example.com").is_disabled

    select_user(panel, "bob@example.com")
    panel.reset_password()
    dialog = panel.dialog
    dialog.password.setText("bob's new password")
    dialog.again.setText("bob's new password")
    dialog.accept()
    wait_idle(qtbot, window)
    assert "New password set" in window.message_bar.text()
    assert app.auth.login("bob@example.com", "bob's new password").user.email == "bob@example.com"

    select_user(panel, "bob@example.com")
    panel.delete_user()
    dialog = panel.dialog
    assert dialog.receiver_email() == "admin@example.com"  # the deleting admin by default
    dialog.receiver.setCurrentText("alice@example.com")
    dialog.accept()
    wait_idle(qtbot, window)
    assert "bob@example.com" not in {u.email for u in panel.users.rows()}
    assert row("alice@example.com").tokens_milli == 150_000  # bob's 50 tokens came along
