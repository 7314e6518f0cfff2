"""The LLM spend cap: what a run may cost, what it would cost, and what people are told.

Pure: the spend so far and the run's sizes come in as numbers (app/digests.py reads them
from the history and the settings), so `/digest status`, `digestbot usage` and a run
agree on the words.

Which clock: a budget is money spent on a calendar day or month, so spend is counted by
each run's own start time (the runs table's started_at), never by the digest's day: a
digest of an old day made again today spends today's money. Days and months are UTC.

The estimate is an upper bound, so that a run never starts what the cap cannot pay for:
every wanted topic is one call, and the predictions one more (no answer is counted as
coming from the cache); every call's input is the whole source budget plus its prompt's
own text at three characters a token (English runs near four); every answer is as long
as `max_output_tokens` allows. Not counted: the repair try a topic gets when its answer
fails the checks, which a run needs for few topics if any.
"""

from __future__ import annotations

CHARS_PER_TOKEN = 3  # fewer than the usual four: the estimate errs on the costly side

# Plain classes, not dataclasses: `digestbot usage` shows the caps and starts quickly.


class Budget:
    """The caps of [llm] daily_budget_usd and monthly_budget_usd; 0: no cap."""

    __slots__ = ("daily_usd", "monthly_usd")

    def __init__(self, daily_usd: float = 0.0, monthly_usd: float = 0.0) -> None:
        self.daily_usd, self.monthly_usd = daily_usd, monthly_usd

    @property
    def capped(self) -> bool:
        return self.daily_usd > 0 or self.monthly_usd > 0


class Spend:
    """The recorded cost of the runs started today and this month (UTC)."""

    __slots__ = ("month_usd", "today_usd")

    def __init__(self, today_usd: float = 0.0, month_usd: float = 0.0) -> None:
        self.today_usd, self.month_usd = today_usd, month_usd


class Estimate:
    """The most a run's LLM calls may take and cost, all calls together."""

    __slots__ = ("calls", "cost_usd", "input_tokens", "output_tokens")

    def __init__(self, calls: int, input_tokens: int, output_tokens: int, cost_usd: float) -> None:
        self.calls, self.cost_usd = calls, cost_usd
        self.input_tokens, self.output_tokens = input_tokens, output_tokens


def prompt_tokens(messages: list[dict[str, str]]) -> int:
    """A rendered prompt's own size in tokens, rounded up."""
    chars = sum(len(message["content"]) for message in messages)
    return -(-chars // CHARS_PER_TOKEN)


def estimate_run(
    *,
    topics: int,
    predictions: bool,
    source_tokens: int,
    prompt_tokens: int,
    max_output_tokens: int,
    input_per_mtok: float,
    output_per_mtok: float,
) -> Estimate:
    """The most a run's LLM calls may cost: `topics` calls and one for the predictions,
    each reading `source_tokens` + `prompt_tokens` and answering `max_output_tokens`, at
    the prices per million tokens."""
    calls = topics + (1 if predictions else 0)
    input_tokens = calls * (source_tokens + prompt_tokens)
    output_tokens = calls * max_output_tokens
    cost = (input_tokens * input_per_mtok + output_tokens * output_per_mtok) / 1_000_000
    return Estimate(calls, input_tokens, output_tokens, cost)


class PassedCap:
    """A cap that a run would pass: it makes a headline edition instead."""

    __slots__ = ("estimate_usd", "limit_usd", "period", "spent_usd")

    def __init__(
        self, period: str, limit_usd: float, spent_usd: float, estimate_usd: float
    ) -> None:
        self.period = period  # "day" or "month"
        self.limit_usd, self.spent_usd, self.estimate_usd = limit_usd, spent_usd, estimate_usd

    @property
    def budget(self) -> str:
        """The budget, named: "the LLM budget of $0.50 a day"."""
        return f"the LLM budget of {usd(self.limit_usd)} a {self.period}"

    @property
    def setting(self) -> str:
        return f"[llm] {'daily' if self.period == 'day' else 'monthly'}_budget_usd"

    @property
    def reason(self) -> str:
        """Why the digest has no analysis, as the blog and chat label it."""
        if self.spent_usd >= self.limit_usd:
            return f"{self.budget} is spent ({usd(self.spent_usd)} so far)"
        return (
            f"{self.budget} would be passed ({usd(self.spent_usd)} spent, a run may "
            f"cost {usd(self.estimate_usd)})"
        )

    @property
    def notice(self) -> str:
        """What the admins are told: the same words all day, so it is told once a day."""
        return (
            f"{self.budget} is reached: digests are headline editions, without the LLM, "
            f"until the {self.period} ends (UTC); `digestbot usage` shows the spend, "
            f"{self.setting} sets the cap"
        )


def passed_cap(budget: Budget, spend: Spend, estimate: Estimate) -> PassedCap | None:
    """The first cap (daily, then monthly) that spending `estimate` more would pass."""
    for period, limit, spent in (
        ("day", budget.daily_usd, spend.today_usd),
        ("month", budget.monthly_usd, spend.month_usd),
    ):
        if limit > 0 and spent + estimate.cost_usd > limit:
            return PassedCap(period, limit, spent, estimate.cost_usd)
    return None


def status_lines(budget: Budget, spend: Spend) -> list[str]:
    """The spend against the caps, for `/digest status` and `digestbot usage`:
    "LLM spend today $0.0123 of $0.50; this month $0.31 of $5.00"."""
    today = _against(spend.today_usd, budget.daily_usd, "daily")
    month = _against(spend.month_usd, budget.monthly_usd, "monthly")
    lines = [f"LLM spend today {today}; this month {month} (UTC)"]
    reached = [
        period
        for period, limit, spent in (
            ("day", budget.daily_usd, spend.today_usd),
            ("month", budget.monthly_usd, spend.month_usd),
        )
        if 0 < limit <= spent
    ]
    if reached:
        lines.append(
            f"The {' and '.join(reached)}'s budget is spent: digests are headline editions "
            "until it renews."
        )
    return lines


def _against(spent: float, limit: float, name: str) -> str:
    return f"{usd(spent)} of {usd(limit)}" if limit > 0 else f"{usd(spent)} (no {name} cap)"


def usd(amount: float) -> str:
    """Dollars to the cent, or to the hundredth of a cent where cents would hide them:
    $5.00, $0.50, $0.0123, $0.001."""
    text = f"{amount:.4f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"
