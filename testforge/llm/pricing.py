"""What tokens cost: a per-model price table (USD per million tokens) read from configuration."""

from pydantic import BaseModel, ConfigDict, Field

from testforge.llm.usage import Usage

PER_MILLION = 1_000_000


class Price(BaseModel):
    """Prices per million tokens. Cache writes and reads default to Anthropic's multipliers of
    the input price (1.25x for a five-minute write, 0.1x for a read)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)

    def cost(self, usage: Usage) -> float:
        write = self.cache_write if self.cache_write is not None else self.input * 1.25
        read = self.cache_read if self.cache_read is not None else self.input * 0.1
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_write_tokens * write
            + usage.cache_read_tokens * read
        ) / PER_MILLION


DEFAULT_PRICES: dict[str, Price] = {
    "claude-opus-4-5": Price(input=5.0, output=25.0),
    "claude-opus-4-1": Price(input=15.0, output=75.0),
    "claude-sonnet-4-5": Price(input=3.0, output=15.0),
    "claude-sonnet-4-6": Price(input=3.0, output=15.0),
    "claude-haiku-4-5": Price(input=1.0, output=5.0),
}


def price_for(model: str, table: dict[str, Price]) -> Price | None:
    """The price of `model`, also for dated snapshots ("claude-sonnet-4-5-20250929")."""
    if model in table:
        return table[model]
    family = max((name for name in table if model.startswith(name)), key=len, default=None)
    return table[family] if family else None


def cost_usd(usage: Usage, model: str, table: dict[str, Price]) -> float | None:
    """None when the model has no price: unknown cost is reported as unknown, never as zero."""
    price = price_for(model, table)
    return price.cost(usage) if price else None
