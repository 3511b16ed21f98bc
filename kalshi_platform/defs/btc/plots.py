"""The picture a person looks at for one run of edges: model probability against the market's price."""

import base64
import io

import dagster as dg
import polars as pl


def model_vs_market_png(edges: pl.DataFrame, title: str) -> bytes | None:
    """Model probability vs the market's mid ((yes_ask + 1 - no_ask) / 2), trades highlighted."""
    rows = edges.filter(pl.col("model_prob").is_not_null() & pl.col("yes_ask").is_not_null()
                        & pl.col("no_ask").is_not_null())
    if rows.is_empty():
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    mid = ((rows.get_column("yes_ask").cast(pl.Float64) + 1 - rows.get_column("no_ask").cast(pl.Float64)) / 2).to_list()
    prob = rows.get_column("model_prob").to_list()
    direction = rows.get_column("direction").to_list()
    fig, ax = plt.subplots(figsize=(5.6, 5.2), dpi=90)
    try:
        ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1)
        for side, colour, label in ((None, "#9aa5b1", "no trade"), ("buy_yes", "#2a9d8f", "buy YES"),
                                    ("buy_no", "#e76f51", "buy NO")):
            pts = [(m, p) for m, p, d in zip(mid, prob, direction, strict=True) if d == side]
            if pts:
                ax.scatter([m for m, _ in pts], [p for _, p in pts], s=14, alpha=0.75, color=colour,
                           label=f"{label} ({len(pts)})")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("market mid (yes_ask + 1 - no_ask) / 2")
        ax.set_ylabel("model probability of YES")
        ax.set_title(title)
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def png_metadata(png: bytes | None, caption: str) -> dict:
    if png is None:
        return {}
    return {"model_vs_market": dg.MetadataValue.md(
        f"![{caption}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})")}
