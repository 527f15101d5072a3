"""Any sequence of uploads, recharges and refusals keeps balance == ledger sum, never negative.

A hypothesis state machine drives the real services on a real database and keeps its own
model of what each balance must be; after every step the cached balance, the ledger sum and
the model must agree exactly.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from videolab.db.models import CreditEntry, User, Video
from videolab.domain.dto import UserDTO
from videolab.domain.enums import Role
from videolab.domain.errors import Conflict, InsufficientCredits, InvalidInput, PermissionDenied
from videolab.inference.synthetic import SyntheticVideo
from videolab.repositories.ledger import LedgerRepository
from videolab.repositories.users import UserRepository
from videolab.services.app import VideoLab
from videolab.services.passwords import hash_password
from videolab.services.users import create_account
from videolab.settings import AppPaths

#: Frame counts of the tiny clips: each costs that many milli-tokens to upload.
CLIP_FRAMES = (3, 8, 21)


@dataclass
class Account:
    user: UserDTO
    datasets: list[uuid.UUID]
    expected_milli: int
    #: (dataset index, clip index) pairs already uploaded: a second upload is a Conflict.
    uploaded: dict[tuple[int, int], uuid.UUID] = field(default_factory=dict)


@dataclass(frozen=True)
class World:
    template: Path
    root: Path
    clips: tuple[SyntheticVideo, ...]
    password_hash: str


class CreditMachine(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        folder = self.world.root / uuid.uuid4().hex
        paths = AppPaths(folder / "data", folder / "cache", folder / "config").ensure()
        db_file = folder / "credits.db"
        shutil.copyfile(self.world.template, db_file)
        self.app = VideoLab.open(str(db_file), paths=paths)
        self.accounts: list[Account] = []
        with self.app.db.read() as s:
            admin = UserRepository(s).by_email("admin@example.com")
            assert admin is not None
            from videolab.repositories.users import to_dto

            self.admin = to_dto(admin)
        self.expected_videos = self._count(Video)

    def teardown(self) -> None:
        self.app.close()

    def _count(self, model: type) -> int:
        with self.app.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

    @initialize(openings=st.lists(st.integers(0, 40), min_size=2, max_size=2))
    def open_accounts(self, openings: list[int]) -> None:
        """Two accounts with small balances (0-40 milli-tokens), so refusals are common."""
        for i, milli in enumerate(openings):
            with self.app.db.write() as s:
                user = create_account(
                    UserRepository(s), LedgerRepository(s), f"u{i}@example.com",
                    self.world.password_hash, Role.USER, milli,
                )
            datasets = [self.app.datasets.create(user, f"set {j}").id for j in range(2)]
            self.accounts.append(Account(user, datasets, milli))

    @rule(who=st.integers(0, 1), which=st.integers(0, 1),
          clip=st.integers(0, len(CLIP_FRAMES) - 1))
    def upload(self, who: int, which: int, clip: int) -> None:
        account = self.accounts[who]
        dataset = account.datasets[which]
        video = self.world.clips[clip]
        cost = CLIP_FRAMES[clip]
        duplicate = (which, clip) in account.uploaded
        if duplicate and cost > account.expected_milli:  # either refusal is right
            with pytest.raises((Conflict, InsufficientCredits)):
                self.app.videos.upload(account.user, dataset, video.path)
        elif duplicate:
            with pytest.raises(Conflict):
                self.app.videos.upload(account.user, dataset, video.path)
        elif cost > account.expected_milli:
            with pytest.raises(InsufficientCredits):
                self.app.videos.upload(account.user, dataset, video.path)
        else:
            stored = self.app.videos.upload(account.user, dataset, video.path)
            assert (stored.frame_count, stored.cost_milli) == (cost, cost)
            account.expected_milli -= cost
            account.uploaded[(which, clip)] = stored.id
            self.expected_videos += 1

    @rule(who=st.integers(0, 1), milli=st.integers(1, 30))
    def recharge(self, who: int, milli: int) -> None:
        account = self.accounts[who]
        updated = self.app.credits.recharge(self.admin, account.user.email, milli)
        account.expected_milli += milli
        assert updated.tokens_milli == account.expected_milli

    @rule(who=st.integers(0, 1), milli=st.integers(-5, 30))
    def refused_recharge(self, who: int, milli: int) -> None:
        """Users cannot recharge themselves; nobody can recharge by zero or less."""
        account = self.accounts[who]
        with pytest.raises(PermissionDenied if milli > 0 else (PermissionDenied, InvalidInput)):
            self.app.credits.recharge(account.user, account.user.email, milli)
        if milli <= 0:
            with pytest.raises(InvalidInput):
                self.app.credits.recharge(self.admin, account.user.email, milli)

    @precondition(lambda self: any(a.uploaded for a in self.accounts))
    @rule(data=st.data())
    def delete_video(self, data: st.DataObject) -> None:
        """Deleting a video refunds nothing and keeps its ledger row."""
        account = data.draw(st.sampled_from([a for a in self.accounts if a.uploaded]))
        key = data.draw(st.sampled_from(sorted(account.uploaded)))
        self.app.videos.delete(account.user, account.uploaded.pop(key))
        self.expected_videos -= 1

    @invariant()
    def balances_equal_ledger_sums_and_the_model(self) -> None:
        with self.app.db.read() as s:
            for account in self.accounts:
                cached = s.scalar(select(User.tokens).where(User.id == account.user.id))
                ledger = s.scalar(
                    select(func.coalesce(func.sum(CreditEntry.delta), 0)).where(
                        CreditEntry.user_id == account.user.id
                    )
                )
                assert cached == ledger == account.expected_milli
                assert account.expected_milli >= 0
                negative_after = s.scalar(
                    select(func.count()).where(
                        CreditEntry.user_id == account.user.id, CreditEntry.balance_after < 0
                    )
                )
                assert negative_after == 0
        assert self._count(Video) == self.expected_videos


def test_credit_ledger_state_machine(
    demo_db_template: Path, make_clip, tmp_path_factory: pytest.TempPathFactory
) -> None:
    clips = tuple(make_clip(seed=100 + i, frames=n, size=(320, 180))
                  for i, n in enumerate(CLIP_FRAMES))
    CreditMachine.world = World(
        template=demo_db_template,
        root=tmp_path_factory.mktemp("credit-machine"),
        clips=clips,
        password_hash=hash_password("machine-password"),
    )
    run_state_machine_as_test(
        CreditMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=10,
            deadline=None,
            database=None,
            report_multiple_bugs=False,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
