"""Cost of provider work at batch prices, with the standard price beside it so the saving shows.
Prices are USD per million tokens, configurable, and dated where they come from."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field

MILLION = Decimal(1_000_000)
CENT_FRACTION = Decimal("0.000001")


class ModelPrice(BaseModel):
    model_config = ConfigDict(frozen=True)

    standard_input: Decimal = Field(ge=0)
    standard_output: Decimal = Field(default=Decimal(0), ge=0)
    batch_input: Decimal = Field(ge=0)
    batch_output: Decimal = Field(default=Decimal(0), ge=0)


# shared/PROVIDERS.md, November 2026. Offline and in-memory providers cost nothing.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gemini-2.5-flash": ModelPrice(
        standard_input=Decimal("0.30"),
        standard_output=Decimal("2.50"),
        batch_input=Decimal("0.15"),
        batch_output=Decimal("1.25"),
    ),
    "gemini-2.0-flash": ModelPrice(
        standard_input=Decimal("0.10"),
        standard_output=Decimal("0.40"),
        batch_input=Decimal("0.05"),
        batch_output=Decimal("0.20"),
    ),
    "text-embedding-3-large": ModelPrice(standard_input=Decimal("0.13"), batch_input=Decimal("0.065")),
}


class Cost(BaseModel):
    model_config = ConfigDict(frozen=True)

    batch_usd: Decimal = Decimal(0)
    standard_usd: Decimal = Decimal(0)

    def __add__(self, other: Cost) -> Cost:
        return Cost(batch_usd=self.batch_usd + other.batch_usd, standard_usd=self.standard_usd + other.standard_usd)

    @property
    def saving_ratio(self) -> Decimal:
        """Batch cost as a fraction of the standard cost (0.5 = half price); 0 when free."""
        if not self.standard_usd:
            return Decimal(0)
        return (self.batch_usd / self.standard_usd).quantize(Decimal("0.0001"))


def cost_of(
    model: str, *, input_tokens: int, output_tokens: int = 0, prices: dict[str, ModelPrice] | None = None
) -> Cost:
    """What the tokens cost at batch and at standard prices; an unpriced model costs nothing."""
    price = (prices or DEFAULT_PRICES).get(model)
    if price is None:
        return Cost()

    def usd(rate_in: Decimal, rate_out: Decimal) -> Decimal:
        raw = (Decimal(input_tokens) * rate_in + Decimal(output_tokens) * rate_out) / MILLION
        return raw.quantize(CENT_FRACTION, rounding=ROUND_HALF_UP)

    return Cost(
        batch_usd=usd(price.batch_input, price.batch_output),
        standard_usd=usd(price.standard_input, price.standard_output),
    )
