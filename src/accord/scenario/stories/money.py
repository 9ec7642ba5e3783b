"""Financial records of a storyline at one agency (an FIU, or the police where there is none):
companies, accounts and who holds them, payments."""

from __future__ import annotations

from datetime import date

from accord.scenario.companies import Account, Company, Payment, make_account
from accord.scenario.money_view import (
    declare_account,
    declare_company,
    write_account,
    write_company,
    write_ownership,
    write_payment,
)
from accord.scenario.options import AgencySpec
from accord.scenario.profile import Profile
from accord.scenario.stories.cast import Story

__all__ = ["Books"]


class Books:
    """One agency's financial picture of a storyline."""

    def __init__(self, story: Story, agency: AgencySpec, profile: Profile) -> None:
        self.story = story
        self.agency = agency
        self.env = profile.envelope(agency, person=False)
        self._ids: dict[str, str] = {}

    def company(self, c: Company, role: str) -> str:
        declare_company(self.story.sink, c)
        self.story.thing(role, c.key)
        latin = c.offshore or self.agency.country != c.country
        rid = write_company(self.story.sink, self.agency, c, latin, self.env)
        self._ids[c.key] = rid
        return rid

    def account(self, country: str, holder_key: str, holder_id: str, role: str) -> Account:
        """A new account of `holder_key` (whose record here is `holder_id`)."""
        a = make_account(self.story.ctx, self.story.rng, country, holder_key)
        declare_account(self.story.sink, a)
        self.story.thing(role, a.key)
        rid = write_account(
            self.story.ctx, self.story.sink, self.story.rng, self.agency, a, self.env
        )
        self._ids[a.key] = rid
        write_ownership(
            self.story.sink, self.agency, holder_id, rid, self.env, role="account holder"
        )
        return a

    def id(self, key: str) -> str:
        return self._ids[key]

    def owns(self, owner_id: str, asset_id: str, percentage: str = "100") -> str:
        return write_ownership(
            self.story.sink, self.agency, owner_id, asset_id, self.env, percentage=percentage
        )

    def pay(
        self,
        payer: Account | None,
        beneficiary: Account,
        amount: str,
        day: date,
        purpose: str,
        *,
        payer_id: str | None = None,
        beneficiary_id: str | None = None,
    ) -> str:
        """A payment between two accounts (`payer` None: cash paid in)."""
        p = Payment(
            payer=payer or beneficiary,
            beneficiary=beneficiary,
            amount=amount,
            currency=beneficiary.currency,
            day=day,
            purpose=purpose,
        )
        return write_payment(
            self.story.sink,
            self.agency,
            p,
            self.env,
            payer=payer_id,
            payer_account=self._ids[payer.key] if payer is not None else None,
            beneficiary=beneficiary_id,
            beneficiary_account=self._ids[beneficiary.key],
        )
