"""Sign in, or create the first administrator on an empty database.

Password hashing is deliberately slow (argon2), so sign-in runs in a worker and the dialog
stays responsive. Errors appear inside the dialog, under the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from videolab.domain.dto import UserDTO
from videolab.gui.changes import Change
from videolab.gui.errors import describe
from videolab.gui.keyring_store import TokenStore
from videolab.gui.ops import Operations
from videolab.gui.widgets import look
from videolab.gui.widgets.brand import mark_pixmap
from videolab.gui.workers import Executor

if TYPE_CHECKING:
    from videolab.services.app import VideoLab

SIGN_IN, FIRST_ADMIN, LOADING = "sign-in", "first-admin", "loading"


class LoginDialog(QDialog):
    signed_in = Signal(object, object)  # UserDTO, session token or None

    def __init__(
        self,
        store: TokenStore | None = None,
        *,
        demo: bool = False,
        creating_demo: bool = False,  # the demo database does not exist yet: seeding is slow
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in — VideoLab")
        self.setObjectName("LoginDialog")
        self.app: VideoLab | None = None
        self.store = store
        self.demo = demo
        self.creating_demo = creating_demo
        self.mode = LOADING
        self.executor = Executor(self)
        # Errors of this dialog's operations appear in it, under the fields.
        self.ops = Operations(self.executor, lambda exc, _context: self.show_error(describe(exc)))

        logo = QLabel()
        logo.setPixmap(mark_pixmap(56))
        name = QLabel("VideoLab")
        look.heading(name, 1.9)
        self.tagline = QLabel("Curate video datasets and find what is in them.")
        self.tagline.setStyleSheet(f"color: {look.muted().name()}")
        brand = QVBoxLayout()
        brand.setSpacing(0)
        brand.addWidget(name)
        brand.addWidget(self.tagline)
        top = QHBoxLayout()
        top.addWidget(logo)
        top.addSpacing(8)
        top.addLayout(brand, 1)

        self.heading = QLabel("Sign in")
        look.heading(self.heading, 1.25)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.email = QLineEdit()
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setPlaceholderText("Repeat the password")
        self.remember = QCheckBox("Remember me on this computer")
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.addRow("Email", self.email)
        self.form.addRow("Password", self.password)
        self.form.addRow("Repeat", self.confirm)
        self.form.addRow("", self.remember)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setStyleSheet(f"color: {look.muted().name()}")
        self.error = QLabel()
        self.error.setObjectName("LoginError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("#LoginError { color: #d03b3b; font-weight: 600; }")
        self.error.hide()
        self.demo_box = QLabel()
        self.demo_box.setObjectName("DemoHint")
        self.demo_box.setWordWrap(True)
        self.demo_box.setTextFormat(Qt.TextFormat.RichText)
        bg, fg = look.hue_colours(210, saturation=120)
        self.demo_box.setStyleSheet(
            f"#DemoHint {{ background: {bg.name()}; color: {fg.name()}; border-radius: 8px;"
            " padding: 10px; }"
        )
        self.demo_box.setText(
            "<b>Demo database.</b> Preparing sample accounts, datasets and a video…"
        )
        self.demo_box.setVisible(demo)
        self.submit = QPushButton("Sign in")
        self.submit.setDefault(True)
        self.submit.clicked.connect(self.submit_form)
        self.quit_button = QPushButton("Quit")
        self.quit_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.submit)

        card = QFrame()
        card.setObjectName("LoginCard")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(0, 0, 0, 0)
        card_layout.addWidget(self.heading)
        card_layout.addWidget(self.intro)
        card_layout.addSpacing(6)
        card_layout.addLayout(self.form)
        card_layout.addWidget(self.keyring_note)
        card_layout.addWidget(self.error)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addSpacing(10)
        layout.addWidget(self.demo_box)
        layout.addWidget(card)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self._update_keyring_note()
        self._set_mode(LOADING)

    # -- state -------------------------------------------------------------------------------
    def _update_keyring_note(self) -> None:
        available = self.store is not None and self.store.available
        self.remember.setEnabled(available and self.mode == SIGN_IN)
        if not available:
            self.remember.setChecked(False)
            self.remember.setText("Remember me (off)")
            self.keyring_note.setText(
                "Remember-me is off: no system keyring was found, so you will sign in each time."
            )
        self.keyring_note.setVisible(not available and self.mode == SIGN_IN)

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        first = mode == FIRST_ADMIN
        self.form.setRowVisible(self.confirm, first)
        self.form.setRowVisible(self.remember, not first)
        if mode == LOADING:
            self.heading.setText("Opening the database…")
            self.intro.setText(
                "Creating the demo database: accounts, datasets and a generated video. "
                "This takes a few seconds, once."
                if self.creating_demo
                else "Checking the database."
            )
        elif first:
            self.heading.setText("Create the administrator")
            self.intro.setText(
                "This database has no accounts yet. The first account manages "
                "users, credits and tags."
            )
            self.submit.setText("Create and sign in")
        else:
            self.heading.setText("Sign in")
            self.intro.setText("Use the account your administrator gave you.")
            self.submit.setText("Sign in")
        for w in (self.email, self.password, self.confirm, self.submit):
            w.setEnabled(mode != LOADING)
        self._update_keyring_note()
        self._fit()

    def show_step(self, text: str) -> None:
        """What opening the database is doing now (a first launch on a cold machine can take
        a minute: the window says it is still at work, and where)."""
        if self.mode == LOADING:
            self.heading.setText(f"{text}…")

    def _fit(self) -> None:
        """Grow to what the texts now need (the demo hint and the mode change after the dialog
        is on screen); a window manager does not resize a shown dialog by itself, and the
        fields were squeezed to a few pixels."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        needed = self.sizeHint()
        if needed.height() > self.height() or needed.width() > self.width():
            self.resize(max(self.width(), needed.width()), max(self.height(), needed.height()))

    def set_app(self, app: VideoLab, *, needs_first_admin: bool | None = None) -> None:
        """The database is open. Whether it has accounts yet is asked off the GUI thread
        unless the caller already knows (the launcher asks while opening the database)."""
        from videolab.services.seed import DEMO_PASSWORD

        self.app = app
        self.demo_box.setText(
            "<b>Demo database.</b> Sign in as <b>alice@example.com</b> (100 tokens), "
            "<b>bob@example.com</b> (50) or <b>admin@example.com</b> (1000); "
            f"the password is <b>{DEMO_PASSWORD}</b>."
        )
        self._fit()
        if needs_first_admin is None:
            self.ops.query(app.auth.needs_first_admin, success=self._ready)
        else:
            self._ready(needs_first_admin)

    def _ready(self, first: bool) -> None:
        self._set_mode(FIRST_ADMIN if first else SIGN_IN)
        if self.demo and not self.email.text():
            self.email.setText("alice@example.com")
            self.password.setFocus()
        else:
            self.email.setFocus()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self._fit()  # one more line: grow rather than squeeze the fields

    def busy(self, on: bool) -> None:
        for w in (self.email, self.password, self.confirm, self.submit, self.remember):
            w.setEnabled(not on)
        if not on:
            self._update_keyring_note()
        self.submit.setText(
            "Signing in…"
            if on
            else ("Create and sign in" if self.mode == FIRST_ADMIN else "Sign in")
        )

    # -- submit ------------------------------------------------------------------------------
    def submit_form(self) -> None:
        if self.app is None or self.mode == LOADING:
            return
        email = self.email.text().strip()
        password = self.password.text()
        if not email or not password:
            self.show_error("Enter your email and password.")
            return
        self.show_error("")
        app = self.app
        work: Callable[[], tuple[UserDTO, str | None]]
        if self.mode == FIRST_ADMIN:
            if password != self.confirm.text():
                self.show_error("The two passwords differ.")
                return

            def work() -> tuple[UserDTO, str | None]:
                app.auth.create_first_admin(email, password)
                result = app.auth.login(email, password)
                return result.user, None
        else:
            remember = self.remember.isChecked() and self.remember.isEnabled()

            def work() -> tuple[UserDTO, str | None]:
                result = app.auth.login(email, password, remember=remember)
                return result.user, result.session_token

        self.busy(True)
        self.ops.write(
            work,
            changes=Change.NONE,
            success=self._done,
            failure=self._failed,
            finished=lambda: self.busy(False),
        )

    def _done(self, value: tuple[UserDTO, str | None]) -> None:
        user, token = value
        if token and self.store is not None and not self.store.save(token):
            token = None
        self.password.clear()
        self.confirm.clear()
        self.signed_in.emit(user, token)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.show_error(describe(exc))
        # The fields were disabled while signing in, which moved focus on to "Quit"; enable
        # them first (``finished`` would do it after us) so the focus can come back here.
        self.busy(False)
        self.password.selectAll()
        self.password.setFocus()

    def done(self, result: int) -> None:
        self.executor.shutdown()
        super().done(result)
