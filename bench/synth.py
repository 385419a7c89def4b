"""A synthetic decade of history for benchmarks: `flask --app shopfloor synth --lots N`.

Benchmark code, not part of the product: it lives beside the benchmark (bench/run.py) and
the app's `synth` command imports it from here, in a checkout of the repository.

The benchmark must run on far more history than a small workshop will ever make, so this
fills an EMPTY database with a believable one, scaled from N, the number of lots. For
N = 200,000: about 5,000 items, 50 locations, 200,000 lots, 2,000,000 moves, 800,000
genealogy links and 10,000 production orders over several levels of intermediates,
with shipments to 1,000 customers, over ten years.

How it is made. A day-by-day simulation in Python keeps, for every lot, what is where;
each event is what a command of the app would have done that day, and is written as the
rows that command writes:

- receipts when a material runs low (each lot gets a cost that drifts with inflation),
  some through a quarantine hold (released, or rejected and written off by a count);
- production orders for products, and orders for the intermediates they need when stock
  is short (two levels of intermediates, a wax base inside a scented blend, say):
  released, picked FEFO-ish (mostly from the lots that expire first, sometimes from an
  open container with a reason), completed with the produced quantity, costed exactly as
  `complete_order` costs them (`domain.costing.cost_of_production`), genealogy and
  returns included; a few are cancelled;
- shipments of product lots to customers, transfers between shelves, stock counts, and
  the write-off of lots that expired on the shelf.

Balances are computed alongside the moves and inserted at the end, so `flask check` finds
them equal to the ledger. Rows go in through SQLAlchemy Core `insert()` with the model
tables (the exact-decimal columns take Decimal as usual), in chunks, in foreign-key order.
The same seed and end date give the same database.

Hot spots the benchmark needs (see `Summary.hot_spots`):
- `hub_lot`: a bulk lot of a base material used for years by many recipes: its forward
  trace and recall reach a large part of the production made while it lasted;
- `library_lot`: a "discovery library" of 200 different products in one box, whose
  backward trace reaches tens of thousands of lots at N = 200,000;
- `ready_20` / `ready_200`: orders of 20 and of 200 components, released and fully picked,
  ready for `complete` (the benchmark completes a fresh one each time);
- `suggest_20`: a released order of 20 components with stock to pick, for suggestions;
- `sample_lots` (50 lot codes spread over the decade) and `receipt` (a receipt to post).
"""

from __future__ import annotations

import math
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate

import sqlalchemy as sa

from shopfloor.domain import availability as rule
from shopfloor.domain import lot_codes
from shopfloor.domain import recipes as rules
from shopfloor.domain.costing import ConsumedLot, cost_of_production
from shopfloor.domain.errors import Conflict
from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.master import Customer, Item, Location, Sequence, Supplier
from shopfloor.models.production import (
    LotLink,
    OrderRequirement,
    ProductionOrder,
    ProductionPick,
    Recipe,
    RecipeLine,
)
from shopfloor.models.shipping import Shipment, ShipmentLine
from shopfloor.models.stock import Balance, Lot, StockCount, StockCountLine, StockMove
from shopfloor.models.users import User

Q = 10**6  # stored quantities and money are integers of 10**-6: the simulation uses them too
YEARS = 10
DAYS = 365 * YEARS + 2
LIBRARY_COMPONENTS = 200
BENCH_COMPONENTS = 20
# Lots a pair (order, component) is drawn from: mostly the first to expire, then the
# open containers beside it.
DRAW_SPREAD = (2, 3, 4, 4, 5, 5, 6, 6, 7, 8)


def dec(micro: int) -> Decimal:
    """A stored integer of 10**-6 as the Decimal the model columns take."""
    return Decimal(micro).scaleb(-6)


def micro(value: Decimal) -> int:
    scaled = value.scaleb(6)
    assert scaled == scaled.to_integral_value(), value
    return int(scaled)


def _ceil_to(value: int, grain: int) -> int:
    return -(-value // grain) * grain


# --- sizes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sizes:
    """What N lots means in items, places, people and orders."""

    lots: int
    materials: int
    intermediates_1: int
    intermediates_2: int
    products: int
    locations: int
    suppliers: int
    customers: int
    orders: int
    ready_orders: int

    @classmethod
    def for_lots(cls, lots: int, ready_orders: int | None = None) -> Sizes:
        items = max(60, round(lots / 40))
        products = max(12, round(items * 0.30))
        intermediates = max(6, round(items * 0.10))
        return cls(
            lots=lots,
            materials=items - products - intermediates,
            intermediates_1=intermediates - intermediates // 3,
            intermediates_2=intermediates // 3,
            products=products,
            locations=min(50, max(8, round(lots / 4000))),
            suppliers=max(3, round(lots / 1000)),
            customers=max(5, round(lots / 200)),
            orders=max(12, round(lots / 20)),
            ready_orders=ready_orders if ready_orders is not None
            else min(40, max(2, lots // 5000)),
        )


@dataclass
class Summary:
    sizes: Sizes
    counts: dict[str, int]
    hot_spots: dict
    seconds: float
    end: date


# --- names ------------------------------------------------------------------------------------

_MATERIALS = [
    # prefix, unit, names, cost per base unit (low, high), shelf lives, density, weight
    ("WAX", "g", ["Soy wax", "Rapeseed wax", "Coconut wax", "Beeswax", "Paraffin wax",
                  "Candelilla wax", "Pillar blend wax"], (0.003, 0.012), (None, 730, 1095),
     None, 6),
    ("FO", "g", ["Fragrance oil"], (0.03, 0.12), (540, 730), None, 18),
    ("EO", "ml", ["Lavender oil", "Bergamot oil", "Cedarwood oil", "Eucalyptus oil",
                  "Sweet orange oil", "Peppermint oil", "Ylang ylang oil", "Patchouli oil",
                  "Rosemary oil", "Tea tree oil"], (0.05, 0.60), (730, 1095),
     Decimal("0.9"), 10),
    ("OIL", "g", ["Olive oil", "Coconut oil", "Shea butter", "Cocoa butter", "Sweet almond oil",
                  "Castor oil", "Jojoba oil", "Sunflower oil", "Mango butter", "Argan oil"],
     (0.004, 0.04), (365, 540), None, 14),
    ("CHM", "g", ["Sodium hydroxide", "Glycerin", "Citric acid", "Preservative Eco",
                  "Emulsifying wax", "Stearic acid", "Xanthan gum", "Vitamin E",
                  "Mica pigment", "Liquid colourant", "Sodium lactate", "Kaolin clay"],
     (0.005, 0.20), (730, 1095), None, 14),
    ("PKG", "pcs", ["Glass jar 200 ml", "Amber jar 120 ml", "Tin 100 ml", "Bamboo lid",
                    "Metal lid", "Cotton wick", "Wood wick", "Front label", "Back label",
                    "Gift box", "Pump bottle 250 ml", "Dropper bottle 30 ml", "Lip tube",
                    "Shrink band", "Tissue wrap"], (0.04, 1.60), (None,), None, 38),
]
_SCENTS = ["Amber", "Fig", "Sea salt", "Cedar", "Vanilla", "Lavender", "Bergamot", "Tobacco",
           "Rose", "Oud", "Neroli", "Vetiver", "Pear", "Black tea", "Mint", "Sandalwood",
           "Citrus", "Cotton", "Pine", "Honey", "Jasmine", "Leather", "Sage", "Plum"]
_PRODUCTS = [("CND", "Candle", 200), ("SOP", "Soap bar", 100), ("LOT", "Lotion", 250),
             ("BLM", "Lip balm", 200), ("SPR", "Room spray", 100), ("MLT", "Wax melts", 200),
             ("DIF", "Reed diffuser", 50), ("SRM", "Face serum", 100)]
_BASES = ["Wax base", "Soap base", "Lotion base", "Scent blend", "Colour dispersion",
          "Balm base", "Oil blend", "Emulsion"]
_WORDS = ["North", "Willow", "Harbour", "Meadow", "Copper", "Lantern", "Maple", "Juniper",
          "Ember", "Linden", "Saffron", "Thistle", "Orchard", "Hollow", "Marble", "Clover"]
_KINDS = ["Gifts", "Market", "Apothecary", "Home", "Boutique", "Studio", "Store", "Co-op"]


# --- the simulation ---------------------------------------------------------------------------

@dataclass
class _Item:
    id: int
    sku: str
    name: str
    kind: str
    unit: str
    level: int  # 0 material, 1 and 2 intermediates, 3 products, 4 the library box
    cost: int  # typical cost per base unit, micro
    shelf_life: int | None
    supplier_id: int | None = None
    density: Decimal | None = None
    price: Decimal | None = None
    gtin: str | None = None
    created: date | None = None
    weight: float = 1.0
    recipes: list = field(default_factory=list)  # its _Recipe versions, oldest first
    demand: float = 0.0  # expected over the decade, base units
    lot_size: int = 0  # micro: a receipt, or a batch for made items
    safety: int = 0  # micro: materials are reordered when less would be left after a pick
    grain: int = Q

    def recipe_on(self, day: date):
        chosen = self.recipes[0]
        for recipe in self.recipes:
            if recipe.created <= day:
                chosen = recipe
        return chosen


@dataclass
class _Recipe:
    id: int
    item: _Item
    version: int
    created: date
    yield_quantity: int  # micro
    lines: list  # [(component _Item, quantity micro per yield, loss percent Decimal)]
    labour_minutes: Decimal
    labour_rate: Decimal
    overhead: Decimal
    rule: rules.Recipe | None = None


class _Rows:
    """Rows waiting to be written, per table, in foreign-key order."""

    ORDER = (User, Supplier, Customer, Location, Item, Recipe, RecipeLine, Lot,
             ProductionOrder, OrderRequirement, StockMove, ProductionPick, LotLink, Shipment,
             ShipmentLine, StockCount, StockCountLine, AuditEvent)

    def __init__(self, connection, chunk: int = 5000):
        self.connection = connection
        self.chunk = chunk
        self.rows: dict[type, list[dict]] = {model: [] for model in self.ORDER}

    def add(self, model, row: dict) -> None:
        self.rows[model].append(row)

    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def flush(self) -> None:
        for model in self.ORDER:
            self.write(model, self.rows[model])
            self.rows[model] = []

    def write(self, model, rows: list[dict]) -> None:
        table = model.__table__
        for start in range(0, len(rows), self.chunk):
            self.connection.execute(sa.insert(table), rows[start:start + self.chunk])


class _History:
    """The simulation: what every lot holds where, and the rows each day's commands write."""

    def __init__(self, sizes: Sizes, seed: int, end: date, rows: _Rows):
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.end = end
        self.start = end - timedelta(days=DAYS)
        self.rows = rows
        self.ids: dict[str, int] = defaultdict(int)
        self.counts: dict[str, int] = defaultdict(int)
        self.hot: dict = {}
        self.clock = datetime.combine(self.start, datetime.min.time())
        # Stock: (lot, location) -> quantity, and per lot its free places (not in an order's
        # WIP, not in quarantine), which is what picking and shipping draw from.
        self.balance: dict[tuple[int, int], int] = {}
        self.places: dict[int, dict[int, int]] = {}
        self.free: dict[int, int] = {}
        self.shelf: dict[int, dict[int, None]] = defaultdict(dict)  # location -> lots on it
        self.location_kind: dict[int, str] = {}
        self.location_code: dict[int, str] = {}
        self.lot_item: dict[int, _Item] = {}
        self.lot_code: dict[int, str] = {}
        self.lot_cost: dict[int, int] = {}
        self.lot_expiry: dict[int, date | None] = {}
        self.lot_key: dict[int, tuple] = {}
        self.lot_status: dict[int, str] = {}
        self.status_changed: dict[int, tuple[str, str]] = {}
        # Per item, its lots in FEFO order (expiry, no expiry last, then received, code);
        # `head` skips the used-up past.
        self.queue: dict[int, list[int]] = defaultdict(list)
        self.head: dict[int, int] = defaultdict(int)
        self.queued: set[int] = set()
        self.code_seq: dict[tuple[str, date], int] = defaultdict(int)
        self.plan: dict[date, list] = defaultdict(list)  # day -> events decided earlier
        # On the last day, stock counts as usable only if it lasts a month past the end:
        # the orders left open must still be pickable when the benchmark runs, days later.
        self.lasting = self.start
        self.requirements: dict[tuple[int, int], dict[str, int]] = {}

    # --- ids, time, people --------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def morning(self, day: date) -> None:
        self.clock = max(self.clock, datetime.combine(day, datetime.min.time())
                         + timedelta(hours=7, minutes=self.rng.randrange(30)))

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=self.rng.randrange(5, 40))
        return self.clock

    def operator(self) -> int:
        return self.rng.choice(self.operators)

    @staticmethod
    def rounded(value: float, item: _Item) -> int:
        """`value` (micro) to the item's grain (whole pieces, tenths of a gram), at least one."""
        return max(item.grain, int(round(value / item.grain)) * item.grain)

    # --- master data --------------------------------------------------------------------------

    def master_data(self) -> None:
        rng, sizes = self.rng, self.sizes
        self.operators = [self.user(f"synth-operator-{n}", "operator")
                          for n in range(1, max(4, sizes.locations // 6) + 1)]
        self.supervisors = [self.user(f"synth-supervisor-{n}", "supervisor") for n in (1, 2)]
        self.suppliers = [self.party(Supplier, "suppliers", n, "Supplies")
                          for n in range(sizes.suppliers)]
        self.customers = [self.party(Customer, "customers", n, rng.choice(_KINDS))
                          for n in range(sizes.customers)]
        # A few customers buy most: a long tail of small shops.
        self.customer_weights = list(accumulate(1 / (n + 1) ** 0.8
                                                for n in range(sizes.customers)))
        self.locations_by: dict[str, list[int]] = defaultdict(list)
        for prefix, name, kind, share in (("RM", "Raw materials shelf", "storage", 0.6),
                                          ("FG", "Finished goods shelf", "storage", 0.2),
                                          ("PRD", "Production room", "production", 0.08),
                                          ("SHP", "Shipping bay", "shipping", 0.06),
                                          ("QC", "Quarantine cage", "quarantine", 0.06)):
            for n in range(max(1, round(sizes.locations * share))):
                self.locations_by[prefix].append(
                    self.location(f"{prefix}-{n + 1:02d}", f"{name} {n + 1}", kind, self.start))
        self.items: list[_Item] = []
        self.materials = self.make_materials()
        self.hub = self.materials[0]  # the base wax nearly everything is made with
        self.intermediates_1 = self.make_made(sizes.intermediates_1, 1)
        self.intermediates_2 = self.make_made(sizes.intermediates_2, 2)
        self.products = self.make_made(sizes.products, 3)
        self.library = self.make_made(1, 4)[0]
        self.bench_product = self.products[0]

    def user(self, name: str, role: str) -> int:
        user_id = self.next_id("users")
        # "!synthetic" is no argon2 hash: these people cannot sign in.
        self.rows.add(User, {"id": user_id, "username": name, "password_hash": "!synthetic",
                             "role": role, "locale": None, "active": True,
                             "created_at": self.clock})
        return user_id

    def party(self, model, table: str, n: int, kind: str) -> int:
        party_id = self.next_id(table)
        word = _WORDS[n % len(_WORDS)]
        other = _WORDS[(n // len(_WORDS)) % len(_WORDS)]
        self.rows.add(model, {"id": party_id, "name": f"{word} {other} {kind} {n + 1:04d}",
                              "contact": f"{word} desk",
                              "email": f"orders{n + 1}@{word.lower()}.example",
                              "phone": f"+40 21 {n:07d}", "address": None, "notes": None,
                              "archived": False, "created_at": self.clock})
        return party_id

    def location(self, code: str, name: str, kind: str, day: date) -> int:
        location_id = self.next_id("locations")
        self.location_kind[location_id] = kind
        if kind != "wip":
            self.location_code[location_id] = code
        self.rows.add(Location, {"id": location_id, "code": code, "name": name, "kind": kind,
                                 "archived": False,
                                 "created_at": datetime.combine(day, datetime.min.time())})
        return location_id

    def add_item(self, item: _Item) -> _Item:
        self.items.append(item)
        self.counts["items"] += 1
        self.rows.add(Item, {
            "id": item.id, "sku": item.sku, "name": item.name, "kind": item.kind,
            "unit": item.unit, "reorder_point": Decimal(0), "reorder_quantity": Decimal(0),
            "default_supplier_id": item.supplier_id, "shelf_life_days": item.shelf_life,
            "gtin": item.gtin, "density": item.density, "price": item.price, "archived": False,
            "created_at": datetime.combine(item.created or self.start, datetime.min.time())})
        return item

    def make_materials(self) -> list[_Item]:
        rng = self.rng
        kinds = list(accumulate(spec[-1] for spec in _MATERIALS))
        numbers: dict[str, int] = defaultdict(int)
        made = []
        for n in range(self.sizes.materials):
            spec = _MATERIALS[0] if n == 0 else rng.choices(_MATERIALS, cum_weights=kinds)[0]
            prefix, unit, names, (low, high), lives, density, _weight = spec
            numbers[prefix] += 1
            number = numbers[prefix]
            base = names[(number - 1) % len(names)]
            if prefix == "FO":
                name = f"{base} {rng.choice(_SCENTS)} {number}"
            elif number <= len(names):
                name = base
            else:
                name = f"{base}, grade {(number - 1) // len(names) + 1}"
            cost = Decimal(str(round(math.exp(rng.uniform(math.log(low), math.log(high))), 6)))
            made.append(self.add_item(_Item(
                id=self.next_id("items"), sku=f"{prefix}-{number:04d}", name=name,
                kind="material", unit=unit, level=0, cost=micro(cost),
                shelf_life=None if n == 0 else rng.choice(lives),
                supplier_id=rng.choice(self.suppliers), density=density,
                weight=1 / (n + 3) ** 0.9, grain=Q if unit == "pcs" else Q // 10)))
        return made

    def make_made(self, count: int, level: int) -> list[_Item]:
        rng = self.rng
        made = []
        for n in range(count):
            price = gtin = None
            created = self.start
            if level in (1, 2):
                sku = f"{'BASE' if level == 1 else 'BLEND'}-{n + 1:04d}"
                name = f"{_BASES[n % len(_BASES)]} {rng.choice(_SCENTS)}"
                unit, shelf_life = "g", rng.choice((180, 270, 365))
            elif level == 3:
                prefix, noun, size = _PRODUCTS[n % len(_PRODUCTS)]
                sku = f"{prefix}-{n + 1:05d}"
                name = f"{noun} {size} {rng.choice(_SCENTS)} & {rng.choice(_SCENTS)}"
                unit, shelf_life = "pcs", rng.choice((540, 730))
                price = Decimal(rng.randrange(600, 4500)) / 100
                gtin = _gtin(n) if n % 3 == 0 else None
                if n >= count // 3:  # the range grows over the years
                    created = self.start + timedelta(days=rng.randrange(DAYS * 2 // 3))
            else:
                sku, name, unit, shelf_life = "LIB-0200", "Discovery library, 200 minis", \
                    "pcs", 365
                price, created = Decimal("499.00"), self.end - timedelta(days=120)
            made.append(self.add_item(_Item(
                id=self.next_id("items"), sku=sku, name=name,
                kind="intermediate" if level in (1, 2) else "product", unit=unit, level=level,
                cost=0, shelf_life=shelf_life, price=price, gtin=gtin, created=created,
                weight=1 / (n + 2) ** 0.7, grain=Q if unit == "pcs" else Q // 10)))
        return made

    # --- recipes ------------------------------------------------------------------------------

    def recipes(self) -> None:
        rng = self.rng
        packaging = [m for m in self.materials if m.unit == "pcs"] or self.materials[1:4]
        bulk = [m for m in self.materials if m.unit != "pcs" and m is not self.hub]
        bulk_weights = list(accumulate(m.weight for m in bulk))

        def pick_bulk(count: int, avoid: set[int]) -> list[_Item]:
            chosen: list[_Item] = []
            for _ in range(count * 20):
                if len(chosen) >= count:
                    break
                item = rng.choices(bulk, cum_weights=bulk_weights)[0]
                if item.id not in avoid:
                    avoid.add(item.id)
                    chosen.append(item)
            return chosen

        def with_hub(share: float, components: list[_Item], avoid: set[int]) -> None:
            if rng.random() < share:
                components.append(self.hub)
                avoid.add(self.hub.id)

        for item in self.intermediates_1:
            components: list[_Item] = []
            avoid: set[int] = set()
            with_hub(0.8, components, avoid)
            components += pick_bulk(rng.randint(4, 14) - len(components), avoid)
            self.recipe_for(item, components, rng.choice((10, 20, 25, 40)) * 1000)
        for item in self.intermediates_2:
            avoid = set()
            components = rng.sample(self.intermediates_1,
                                    min(len(self.intermediates_1), rng.randint(1, 3)))
            with_hub(0.6, components, avoid)
            components += pick_bulk(rng.randint(3, 10), avoid)
            self.recipe_for(item, components, rng.choice((10, 20, 30)) * 1000)
        made = self.intermediates_1 + self.intermediates_2
        for item in self.products:
            if item is self.bench_product:  # the benchmark's order of 20 components
                components = rng.sample(packaging, min(4, len(packaging)))
                avoid = {c.id for c in components}
                components += pick_bulk(BENCH_COMPONENTS - len(components), avoid)
            else:
                count = max(6, min(44, int(rng.gauss(24, 8))))
                components = rng.sample(packaging, min(len(packaging), rng.randint(2, 5)))
                avoid = {c.id for c in components}
                if rng.random() < 0.75:
                    components += rng.sample(made, min(len(made), rng.randint(1, 2)))
                with_hub(0.35, components, avoid)
                components += pick_bulk(count - len(components), avoid)
            self.recipe_for(item, components, rng.choice((50, 100, 120, 200)))

    def recipe_for(self, item: _Item, components: list[_Item], yield_units: int,
                   created: date | None = None, per_piece: int | None = None) -> None:
        """Recipe versions for `item` (some were reformulated years later)."""
        rng = self.rng
        lines = []
        for component in components:
            if per_piece is not None:
                per_unit = Decimal(per_piece)
            elif component.unit == "pcs":
                per_unit = Decimal(rng.choice((1, 1, 1, 1, 2)))
            elif item.unit == "pcs":  # grams or millilitres of it in one piece
                per_unit = Decimal(str(round(math.exp(rng.uniform(0, math.log(120))), 1)))
            else:  # a share of a kilogram batch
                per_unit = Decimal(str(round(rng.uniform(0.005, 0.4), 3)))
            loss = Decimal(rng.choice(("0", "0", "0", "1", "2", "2.5", "5")))
            if per_piece is not None:
                loss = Decimal(0)
            lines.append((component, micro(per_unit * yield_units), loss))
        versions = [created or item.created or self.start]
        if item.level < 4 and item is not self.bench_product and rng.random() < 0.12:
            versions.append(versions[0] + timedelta(days=rng.randrange(400, DAYS - 400)))
        for version, when in enumerate(versions, start=1):
            if version > 1:
                lines = [(c, max(c.grain, _ceil_to(int(q * rng.uniform(0.85, 1.15)), c.grain)),
                          loss) for c, q, loss in lines]
            recipe = _Recipe(
                id=self.next_id("recipes"), item=item, version=version, created=when,
                yield_quantity=yield_units * Q, lines=list(lines),
                labour_minutes=Decimal(rng.choice((20, 30, 45, 60, 90, 120))),
                labour_rate=Decimal(rng.choice(("18.50", "21.00", "24.75"))),
                overhead=Decimal(rng.choice(("4.00", "7.50", "12.00", "15.25"))))
            recipe.rule = rules.Recipe(
                item=item.sku, yield_quantity=dec(recipe.yield_quantity),
                lines=tuple(rules.RecipeLine(c.sku, dec(q), loss) for c, q, loss in lines),
                labour_minutes=recipe.labour_minutes, labour_rate=recipe.labour_rate,
                overhead=recipe.overhead)
            item.recipes.append(recipe)
            self.counts["recipes"] += 1
            self.rows.add(Recipe, {
                "id": recipe.id, "item_id": item.id, "version": version,
                "yield_quantity": dec(recipe.yield_quantity),
                "labour_minutes": recipe.labour_minutes, "labour_rate": recipe.labour_rate,
                "overhead": recipe.overhead, "notes": None,
                "created_at": datetime.combine(when, datetime.min.time()),
                "created_by_id": self.supervisors[0]})
            for position, (component, quantity, loss) in enumerate(lines):
                self.rows.add(RecipeLine, {
                    "id": self.next_id("recipe_lines"), "recipe_id": recipe.id,
                    "position": position, "item_id": component.id,
                    "quantity": dec(quantity), "entered_quantity": dec(quantity),
                    "entered_unit": component.unit, "loss_percent": loss})

    # --- the plan -----------------------------------------------------------------------------

    def plan_orders(self) -> list[tuple[date, _Item, int]]:
        """Product orders over the decade (intermediate orders follow from them when stock
        runs short), and from them the expected use of every item, which sizes receipts
        and batches so that N lots come out."""
        rng = self.rng
        products = [p for p in self.products if p is not self.bench_product]
        weights = list(accumulate(p.weight for p in products))
        count = round(self.sizes.orders * 0.62)
        orders = []
        for _ in range(count):
            product = rng.choices(products, cum_weights=weights)[0]
            first = (product.created - self.start).days + 1
            day = self.start + timedelta(days=rng.randrange(first, DAYS - 2))
            if day.weekday() >= 5:  # the workshop makes things on weekdays
                day -= timedelta(days=day.weekday() - 4)
            runs = rng.choice((1, 1, 1, 2, 2, 3, 4))
            orders.append((day, product, runs * product.recipes[0].yield_quantity))
        orders.sort(key=lambda order: (order[0], order[1].id))
        for _day, product, quantity in orders:
            self.expect(product, quantity / Q)
        receipts = max(1, round((self.sizes.lots - self.sizes.orders) * 0.94))
        used = [m for m in self.materials if m.demand > 0]
        share = sum(m.demand ** 0.6 for m in used) or 1
        for material in self.materials:
            if material.demand > 0:
                lots = max(2.0, receipts * material.demand ** 0.6 / share)
                material.lot_size = self.rounded(material.demand * Q / lots, material)
            else:
                material.lot_size = (500 if material.unit == "pcs" else 10_000) * Q
            # Stock kept on the shelf beside what is needed: a few lots of what is used
            # often (so pickers have several open), little of what is used rarely.
            material.safety = min(4 * material.lot_size, int(material.demand * Q * 200 / DAYS))
        made = self.intermediates_1 + self.intermediates_2
        batches_total = max(1, self.sizes.orders - count)
        share = sum(i.demand ** 0.6 for i in made if i.demand > 0) or 1
        for item in made:
            yield_units = item.recipes[0].yield_quantity / Q
            batches = max(2.0, batches_total * item.demand ** 0.6 / share)
            item.lot_size = max(1, round(item.demand / batches / yield_units)) * \
                item.recipes[0].yield_quantity
        return orders

    def expect(self, item: _Item, quantity: float) -> None:
        """Add `quantity` of a made item to the expected use, through every level."""
        item.demand += quantity
        recipe = item.recipes[0]
        runs = quantity / (recipe.yield_quantity / Q)
        for component, per_yield, _loss in recipe.lines:
            if component.level:
                self.expect(component, runs * per_yield / Q)
            else:
                component.demand += runs * per_yield / Q

    # --- the ledger ---------------------------------------------------------------------------

    def move(self, lot: int, quantity: int, reason: str, *, source: int | None = None,
             target: int | None = None, reference: tuple = (None, None),
             user: int | None = None, note: str | None = None) -> int:
        """One row of the ledger, applied to the balances as `stock.post_move` does."""
        assert quantity > 0, (lot, quantity, reason)
        if source is not None:
            held = self.balance[(lot, source)]
            assert held >= quantity, (lot, source, held, quantity, reason)
            self.balance[(lot, source)] = held - quantity
            if rule.place_is_free(self.location_kind[source]):
                places = self.places[lot]
                left = places[source] - quantity
                if left:
                    places[source] = left
                else:
                    del places[source]
                    del self.shelf[source][lot]
                self.free[lot] -= quantity
        if target is not None:
            self.balance[(lot, target)] = self.balance.get((lot, target), 0) + quantity
            if rule.place_is_free(self.location_kind[target]):
                places = self.places.setdefault(lot, {})
                places[target] = places.get(target, 0) + quantity
                self.shelf[target][lot] = None
                self.free[lot] = self.free.get(lot, 0) + quantity
                if lot not in self.queued and self.lot_status[lot] == "available":
                    self.enqueue(lot)
        move_id = self.next_id("stock_moves")
        self.counts["moves"] += 1
        self.rows.add(StockMove, {
            "id": move_id, "lot_id": lot, "from_location_id": source,
            "to_location_id": target, "quantity": dec(quantity), "reason": reason,
            "reference_type": reference[0], "reference_id": reference[1], "note": note,
            "user_id": user if user is not None else self.operator(),
            "created_at": self.tick(), "idempotency_key": None})
        return move_id

    def enqueue(self, lot: int) -> None:
        item = self.lot_item[lot].id
        queue = self.queue[item]
        key = self.lot_key[lot]
        position = len(queue)
        while position > 0 and self.lot_key[queue[position - 1]] > key:
            position -= 1  # back from quarantine or from an order: not always the newest
        queue.insert(position, lot)
        self.head[item] = min(self.head[item], position)
        self.queued.add(lot)

    def new_lot(self, item: _Item, day: date, origin: str, unit_cost: int,
                expiry: date | None, supplier: int | None = None, status: str = "available",
                status_reason: str | None = None, user: int | None = None) -> int:
        lot = self.next_id("lots")
        self.code_seq[(item.sku, day)] += 1
        code = lot_codes.render_lot_code(lot_codes.DEFAULT_PATTERN, item.sku, day,
                                         self.code_seq[(item.sku, day)])
        self.lot_item[lot], self.lot_code[lot], self.lot_cost[lot] = item, code, unit_cost
        self.lot_expiry[lot], self.lot_status[lot] = expiry, status
        self.lot_key[lot] = (expiry is None, expiry or date.max, day, code)
        self.counts["lots"] += 1
        self.rows.add(Lot, {
            "id": lot, "code": code, "item_id": item.id, "origin": origin,
            "supplier_id": supplier,
            "supplier_lot": f"L{self.rng.randrange(10**7):07d}" if supplier else None,
            "received_on": day, "expiry": expiry, "unit_cost": dec(unit_cost),
            "status": status, "status_reason": status_reason, "created_at": self.tick(),
            "created_by_id": user or self.operator(), "purchase_order_line_id": None})
        return lot

    # --- receiving, inspection, counts --------------------------------------------------------

    def receive(self, item: _Item, day: date, quantity: int | None = None,
                quarantine: bool | None = None) -> int:
        rng = self.rng
        quantity = quantity or self.rounded(item.lot_size * rng.uniform(0.7, 1.3), item)
        years = (day - self.start).days / 365
        cost = max(1, int(item.cost * 1.03 ** years * rng.uniform(0.9, 1.12)))
        expiry = day + timedelta(days=item.shelf_life) if item.shelf_life else None
        if quarantine is None:
            quarantine = rng.random() < 0.025
        supplier = item.supplier_id if rng.random() < 0.7 else rng.choice(self.suppliers)
        user = self.operator()
        lot = self.new_lot(item, day, "receipt", cost, expiry, supplier,
                           status="quarantine" if quarantine else "available",
                           status_reason="incoming inspection" if quarantine else None,
                           user=user)
        shelf = rng.choice(self.locations_by["QC" if quarantine else "RM"])
        self.move(lot, quantity, "receipt", target=shelf, reference=("receipt", lot), user=user)
        if quarantine:
            self.plan[day + timedelta(days=rng.randint(2, 6))].append(("inspect", lot, shelf))
        elif rng.random() < 0.12:
            self.plan[day + timedelta(days=rng.randint(1, 20))].append(("transfer", lot))
        return lot

    def inspect(self, lot: int, cage: int) -> None:
        """A receipt held for inspection is released to a shelf, or rejected and written
        off by a count."""
        supervisor = self.rng.choice(self.supervisors)
        if self.rng.random() < 0.1:
            self.set_status(lot, "rejected", "failed incoming inspection", supervisor)
            self.count(cage, [(lot, 0)], "rejected at inspection: disposed", supervisor)
            return
        self.set_status(lot, "available", "inspection passed", supervisor)
        self.move(lot, self.balance[(lot, cage)], "transfer", source=cage,
                  target=self.rng.choice(self.locations_by["RM"]), reference=("transfer", None))

    def set_status(self, lot: int, status: str, reason: str, user: int) -> None:
        self.rows.add(AuditEvent, {
            "id": self.next_id("audit_events"), "user_id": user, "entity": "lot",
            "entity_key": self.lot_code[lot], "before": {"status": self.lot_status[lot]},
            "after": {"status": status}, "reason": reason, "created_at": self.tick()})
        self.lot_status[lot] = status
        self.status_changed[lot] = (status, reason)

    def count(self, location: int, lines: list[tuple[int, int]], reason: str | None,
              user: int) -> None:
        """A stock count: each difference becomes an `adjust` move (as `count_stock`)."""
        count_id = self.next_id("stock_counts")
        self.counts["stock_counts"] += 1
        self.rows.add(StockCount, {"id": count_id, "location_id": location, "reason": reason,
                                   "user_id": user, "created_at": self.tick()})
        for lot, counted in lines:
            expected = self.balance.get((lot, location), 0)
            self.rows.add(StockCountLine, {
                "id": self.next_id("stock_count_lines"), "count_id": count_id, "lot_id": lot,
                "expected_quantity": dec(expected), "counted_quantity": dec(counted)})
            if counted != expected:
                self.move(lot, abs(counted - expected), "adjust",
                          source=location if counted < expected else None,
                          target=location if counted > expected else None,
                          reference=("count", count_id), user=user, note=reason)

    def transfer(self, lot: int) -> None:
        places = self.places.get(lot)
        if not places or self.lot_status[lot] != "available":
            return
        source, quantity = max(places.items(), key=lambda place: place[1])
        target = self.rng.choice(self.locations_by["RM"] + self.locations_by["PRD"])
        if target != source:
            self.move(lot, quantity, "transfer", source=source, target=target,
                      reference=("transfer", None))

    def monthly(self, day: date) -> None:
        """Write off what expired on the shelf, and count a shelf or two."""
        rng = self.rng
        expired: dict[int, list] = defaultdict(list)
        for item in self.items:
            queue = self.queue[item.id]
            for position in range(self.head[item.id], len(queue)):
                lot = queue[position]
                expiry = self.lot_expiry[lot]
                if expiry is None or expiry >= day:
                    break
                for location in self.places.get(lot, {}):
                    expired[location].append((lot, 0))
        supervisor = rng.choice(self.supervisors)
        for location, lines in expired.items():
            self.count(location, lines, "expired: disposed", supervisor)
        for _ in range(rng.randint(1, 3)):
            location = rng.choice(self.locations_by["RM"] + self.locations_by["FG"])
            lines = []
            for lot in list(self.shelf[location])[:12]:
                held = self.balance[(lot, location)]
                grain = self.lot_item[lot].grain
                if rng.random() < 0.15 and held > 4 * grain:
                    held += rng.choice((-1, 1)) * grain * rng.randint(1, 3)
                lines.append((lot, held))
            if lines:
                self.count(location, lines, "cycle count", self.operator())

    # --- what may be used, and drawing from it ------------------------------------------------

    def usable_lots(self, item: _Item, day: date, limit: int | None = None):
        """Lots of `item` with free stock that may be used on `day`, FEFO order."""
        queue = self.queue[item.id]
        position = self.head[item.id]
        while position < len(queue) and not self.free.get(queue[position]):
            self.queued.discard(queue[position])
            position += 1
        if position > 64:  # forget the used-up past
            del queue[:position]
            position = 0
        self.head[item.id] = position
        found = 0
        for lot in queue[position:]:
            if not self.free.get(lot) or not rule.lot_is_usable(
                    self.lot_status[lot], self.lot_expiry[lot], max(day, self.lasting)):
                continue
            yield lot
            found += 1
            if found == limit:
                return

    def usable(self, item: _Item, day: date) -> int:
        return sum(self.free[lot] for lot in self.usable_lots(item, day))

    def draw(self, item: _Item, need: int, day: date, exact: bool = False
             ) -> list[tuple[int, int, int, bool]]:
        """(lot, location, quantity, first choice?) covering `need`, FEFO-ish: the first
        lot to expire takes the largest share, the open containers after it the rest.
        Whole pieces and tenths of a gram unless `exact`."""
        rng = self.rng
        candidates = list(self.usable_lots(item, day, limit=rng.choice(DRAW_SPREAD)))
        wanted = need if exact else _ceil_to(need, item.grain)
        weights = [rng.uniform(0.4, 1.0) + (0.6 if n == 0 else 0)
                   for n in range(len(candidates))]
        total = sum(weights) or 1
        takes: dict[int, int] = {}
        left = wanted
        for lot, weight in zip(candidates, weights, strict=True):
            portion = min(self.free[lot], left,
                          max(item.grain, _ceil_to(int(wanted * weight / total), item.grain)))
            if portion > 0:
                takes[lot] = portion
                left -= portion
        if left:
            for lot in self.usable_lots(item, day):
                take = min(self.free[lot] - takes.get(lot, 0), left)
                if take > 0:
                    takes[lot] = takes.get(lot, 0) + take
                    left -= take
                    if not left:
                        break
        assert not left, (item.sku, need, left)
        first_expiry = self.lot_expiry[candidates[0]]
        draws = []
        for lot, take in takes.items():
            first = lot == candidates[0] or self.lot_expiry[lot] == first_expiry
            for location, held in sorted(self.places[lot].items(), key=lambda p: -p[1]):
                portion = min(held, take)
                draws.append((lot, location, portion, first))
                take -= portion
                if not take:
                    break
        return draws

    # --- production ---------------------------------------------------------------------------

    def ensure(self, item: _Item, need: int, day: date, reserved: int = 0) -> None:
        """Enough usable stock of `item` for `need` on `day` beside what is `reserved`:
        materials are received (with a spare lot now and then: a shelf is rarely one deep),
        made items are made by an order of their own."""
        need = _ceil_to(need, item.grain)  # what is picked: whole pieces, tenths of a gram
        for attempt in range(200):
            have = self.usable(item, day) - reserved
            if have >= need:
                if item.level == 0 and have - need < item.safety:
                    self.receive(item, day)  # the reorder point: a shelf is rarely one deep
                return
            if item.level == 0:
                self.receive(item, day, None if attempt < 3 else
                             max(item.lot_size, _ceil_to(need - have, item.grain)))
            else:
                recipe = item.recipe_on(day)
                batch = max(item.lot_size, need - have)
                self.produce(item, _ceil_to(batch, recipe.yield_quantity), day)
        raise AssertionError(f"cannot stock {item.sku}")

    def required(self, recipe: _Recipe, quantity: int) -> dict[str, int]:
        """What `create_order` requires for `quantity` (orders repeat their sizes: kept)."""
        known = self.requirements.get((recipe.id, quantity))
        if known is None:
            known = self.requirements[(recipe.id, quantity)] = {
                sku: micro(q) for sku, q in rules.required_for(recipe.rule,
                                                               dec(quantity)).items()}
        return known

    def produce(self, item: _Item, quantity: int, day: date, *,
                outcome: str = "completed") -> dict:
        """A production order through the commands: created, released, picked, then
        completed or cancelled; at the end of history some stay picked ("in_progress"),
        released (holding stock) or draft."""
        rng = self.rng
        recipe = item.recipe_on(day)
        required = self.required(recipe, quantity)
        components = [component for component, _q, _l in recipe.lines]
        picking = outcome in ("completed", "cancelled", "picked")
        if picking:
            for component in components:
                self.ensure(component, required[component.sku], day)
        self.morning(day)
        order_id = self.next_id("production_orders")
        number = f"MO-{order_id:06d}"
        order = {"id": order_id, "number": number, "recipe_id": recipe.id, "item_id": item.id,
                 "planned_quantity": dec(quantity),
                 "due_on": day + timedelta(days=rng.randrange(0, 8)),
                 "status": "in_progress" if outcome == "picked" else outcome,
                 "wip_location_id": None, "output_lot_id": None, "produced_quantity": None,
                 "material_cost": None, "labour_cost": None, "overhead_cost": None,
                 "total_cost": None, "created_at": self.tick(),
                 "created_by_id": rng.choice(self.supervisors), "released_at": None,
                 "completed_at": None, "cancelled_at": None}
        requirement_ids = {c.id: self.next_id("order_requirements") for c in components}
        picked: dict[int, int] = defaultdict(int)
        consumed: dict[int, int] = defaultdict(int)
        reserved: dict[int, int] = {}
        held: dict[int, list] = defaultdict(list)  # component -> [(lot, location, quantity)]
        wip = None
        if outcome != "draft":
            wip = self.location(f"WIP-{number}", f"Work in progress {number}", "wip", day)
            order["wip_location_id"] = wip
            order["released_at"] = self.tick()
        reference = ("production_order", order_id)
        for component in components if picking else ():
            need = required[component.sku]
            if outcome == "cancelled" and rng.random() < 0.5:
                need = max(component.grain, need // 2)
            # The orders left ready for the benchmark hold exactly what they need, so that
            # completing one returns nothing.
            draws = self.draw(component, need, day, exact=outcome == "picked")
            if outcome != "picked" and rng.random() < 0.05:  # extra, returned at completion
                lot, location, portion, first = draws[-1]
                extra = min(self.places[lot][location] - portion,
                            _ceil_to(need // 10 + 1, component.grain))
                if extra > 0:
                    draws[-1] = (lot, location, portion + extra, first)
            user = self.operator()
            for lot, location, portion, first in draws:
                why = None if first else rng.choice(_OVERRIDES)
                move_id = self.move(lot, portion, "pick", source=location, target=wip,
                                    reference=reference, user=user, note=why)
                self.rows.add(ProductionPick, {
                    "id": self.next_id("production_picks"), "order_id": order_id,
                    "requirement_id": requirement_ids[component.id], "lot_id": lot,
                    "from_location_id": location, "quantity": dec(portion),
                    "override_reason": why, "move_id": move_id, "user_id": user,
                    "created_at": self.clock})
                picked[component.id] += portion
                held[component.id].append((lot, location, portion))
        output = None
        if outcome == "completed":
            output = self.complete(item, recipe, order, quantity, held, consumed, day, wip)
        elif outcome == "cancelled":
            for component in components:
                for lot, location, portion in held[component.id]:
                    self.move(lot, portion, "return", source=wip, target=location,
                              reference=reference)
            order["cancelled_at"] = self.tick()
        elif outcome in ("released", "picked"):
            reserved = {c.id: max(required[c.sku] - picked[c.id], 0) for c in components}
        self.counts["orders"] += 1
        self.rows.add(ProductionOrder, order)
        for position, component in enumerate(components):
            self.rows.add(OrderRequirement, {
                "id": requirement_ids[component.id], "order_id": order_id,
                "position": position, "item_id": component.id,
                "required": dec(required[component.sku]), "picked": dec(picked[component.id]),
                "reserved": dec(reserved.get(component.id, 0)),
                "consumed": dec(consumed[component.id])})
        return {"number": number, "output": output, "reserved": reserved}

    def complete(self, item: _Item, recipe: _Recipe, order: dict, quantity: int,
                 held: dict, consumed: dict, day: date, wip: int) -> int:
        """A completion as an operator reports it: what the produced quantity needed is
        consumed, soonest expiring first, and the rest is put back where it came from (the
        `returns` of `complete_order`); then the output is made and costed."""
        rng = self.rng
        produced = quantity
        if rng.random() < 0.18:  # a run that came out short
            produced = max(item.grain, quantity - self.rounded(
                quantity * rng.uniform(0.005, 0.07), item))
        use = self.required(recipe, produced)
        holdings = []
        left = {}
        for component, _q, _l in recipe.lines:
            per_lot: dict[int, int] = defaultdict(int)
            for lot, _location, portion in held[component.id]:
                per_lot[lot] += portion
            holdings += [(self.lot_key[lot], lot, portion) for lot, portion in per_lot.items()]
            left[component.id] = min(sum(per_lot.values()), use[component.sku])
        holdings.sort()
        taken, returned = [], []
        for _key, lot, portion in holdings:
            item_id = self.lot_item[lot].id
            take = min(portion, left[item_id])
            left[item_id] -= take
            if take:
                taken.append((lot, take))
            if portion > take:
                returned.append((lot, portion - take))
        cost = cost_of_production(
            [ConsumedLot(self.lot_code[lot], dec(q), dec(self.lot_cost[lot]))
             for lot, q in taken],
            recipe.labour_minutes, recipe.labour_rate, recipe.overhead,
            dec(recipe.yield_quantity), dec(quantity), dec(produced))
        line_cost = {line.lot_code: line.cost for line in cost.lines}
        expiry = day + timedelta(days=item.shelf_life) if item.shelf_life else None
        output = self.new_lot(item, day, "production", micro(cost.unit_cost), expiry)
        reference = ("production_order", order["id"])
        for lot, q in taken:
            self.move(lot, q, "consume", source=wip, reference=reference)
            self.counts["links"] += 1
            self.rows.add(LotLink, {
                "id": self.next_id("lot_links"), "input_lot_id": lot, "output_lot_id": output,
                "order_id": order["id"], "quantity": dec(q),
                "cost": line_cost[self.lot_code[lot]]})
            consumed[self.lot_item[lot].id] += q
        for lot, q in returned:
            back = [place for lot_, place, _p in held[self.lot_item[lot].id] if lot_ == lot][-1]
            self.move(lot, q, "return", source=wip, target=back, reference=reference)
        shelf = self.rng.choice(self.locations_by["FG"] if item.level >= 3
                                else self.locations_by["PRD"])
        self.move(output, produced, "produce", target=shelf, reference=reference)
        order.update(output_lot_id=output, produced_quantity=dec(produced),
                     material_cost=cost.material_cost, labour_cost=cost.labour_cost,
                     overhead_cost=cost.overhead_cost, total_cost=cost.total_cost,
                     completed_at=self.tick())
        if item.level == 3:
            self.plan_shipments(output, produced, day)
        return output

    # --- shipping -----------------------------------------------------------------------------

    def plan_shipments(self, lot: int, quantity: int, day: date) -> None:
        """Most of a product lot leaves over the following weeks, in shop-sized portions."""
        rng = self.rng
        left = int(quantity * rng.uniform(0.8, 1.0)) // Q * Q
        when = day
        while left >= Q:
            portion = min(left, Q * rng.randint(4, 48))
            when += timedelta(days=rng.randint(1, 12))
            customer = rng.choices(self.customers, cum_weights=self.customer_weights)[0]
            self.plan[when].append(("ship", lot, portion, customer))
            left -= portion

    def ship(self, day: date, lines: list) -> None:
        by_customer: dict[int, list] = defaultdict(list)
        for lot, quantity, customer in lines:
            quantity = min(quantity, self.free.get(lot, 0))
            if quantity > 0 and rule.lot_is_usable(self.lot_status[lot],
                                                   self.lot_expiry[lot], day):
                by_customer[customer].append((lot, quantity))
        for customer, wanted in by_customer.items():
            shipment = self.next_id("shipments")
            user = self.operator()
            self.counts["shipments"] += 1
            self.rows.add(Shipment, {
                "id": shipment, "number": f"SH-{shipment:06d}", "customer_id": customer,
                "reference": f"INV-{day.year}-{shipment:06d}", "shipped_on": day,
                "notes": None, "user_id": user, "created_at": self.tick()})
            for lot, quantity in wanted:
                for location, held in sorted(self.places[lot].items(), key=lambda p: -p[1]):
                    portion = min(held, quantity)
                    move_id = self.move(lot, portion, "ship", source=location,
                                        reference=("shipment", shipment), user=user)
                    self.counts["shipment_lines"] += 1
                    self.rows.add(ShipmentLine, {
                        "id": self.next_id("shipment_lines"), "shipment_id": shipment,
                        "lot_id": lot, "location_id": location, "quantity": dec(portion),
                        "move_id": move_id})
                    quantity -= portion
                    if not quantity:
                        break

    # --- the decade ---------------------------------------------------------------------------

    def run(self, orders: list[tuple[date, _Item, int]], progress: Callable[[str], None]):
        rng = self.rng
        by_day: dict[date, list] = defaultdict(list)
        for day, product, quantity in orders:
            by_day[day].append((product, quantity))
        hub_day = self.start + timedelta(days=150)
        shown = time.monotonic()
        for offset in range(DAYS - 1):
            day = self.start + timedelta(days=offset)
            self.morning(day)
            if day == hub_day:
                # A silo-load of the base wax, bought on contract: it lasts for years.
                size = self.rounded(self.hub.demand * Q * 0.45, self.hub)
                self.hot["hub_lot"] = self.lot_code[self.receive(self.hub, day, size, False)]
            events = self.plan.pop(day, [])
            for event in events:
                if event[0] == "transfer":
                    self.transfer(event[1])
                elif event[0] == "inspect":
                    self.inspect(event[1], event[2])
            if day.day == 1:
                self.monthly(day)
            for product, quantity in by_day.get(day, ()):
                self.produce(product, quantity, day,
                             outcome="cancelled" if rng.random() < 0.02 else "completed")
            shipments = [event[1:] for event in events if event[0] == "ship"]
            if shipments:
                self.ship(day, shipments)
            if self.rows.pending() > 200_000:
                self.rows.flush()
                self.rows.connection.commit()
                if time.monotonic() - shown > 15:
                    shown = time.monotonic()
                    progress(f"  {day.isoformat()}: {self.counts['lots']} lots, "
                             f"{self.counts['moves']} moves, {self.counts['orders']} orders")
        self.finish(self.end - timedelta(days=1))

    def finish(self, day: date) -> None:
        """The last day: the discovery library, and the orders the benchmark needs open."""
        rng = self.rng
        self.plan.clear()
        self.morning(day)
        self.lasting = self.end + timedelta(days=30)
        # One of each of the products most in stock goes into the library box.
        in_stock = sorted(((self.usable(p, day), p.id, p) for p in self.products
                           if p is not self.bench_product), reverse=True)
        components = [p for have, _id, p in in_stock[:LIBRARY_COMPONENTS] if have >= Q]
        self.recipe_for(self.library, components, 1, created=self.library.created,
                        per_piece=1)
        ready = self.sizes.ready_orders
        libraries = [self.produce(self.library, 2 * Q, day)["output"]
                     for _ in range(max(1, min(3, ready // 10)))]
        self.hot["library_lot"] = self.lot_code[libraries[-1]]
        self.hot["library_components"] = len(components)
        bench_batch = self.bench_product.recipes[-1].yield_quantity
        self.hot["ready_20"] = [self.produce(self.bench_product, bench_batch, day,
                                             outcome="picked")["number"] for _ in range(ready)]
        self.hot["ready_200"] = [self.produce(self.library, Q, day, outcome="picked")["number"]
                                 for _ in range(ready)]
        # Open orders as a workshop has them: a few released and holding stock, a draft.
        held: dict[int, int] = defaultdict(int)
        for n, product in enumerate([self.bench_product] + rng.sample(
                self.products[1:], min(4, len(self.products) - 1))):
            quantity = product.recipes[-1].yield_quantity
            required = self.required(product.recipe_on(day), quantity)
            for component, _q, _l in product.recipe_on(day).lines:
                self.ensure(component, required[component.sku], day, held[component.id])
            result = self.produce(product, quantity, day, outcome="released")
            for item_id, amount in result["reserved"].items():
                held[item_id] += amount
            if n == 0:
                self.hot["suggest_20"] = result["number"]
        draft = rng.choice(self.products[1:])
        self.produce(draft, draft.recipes[-1].yield_quantity, day, outcome="draft")
        self.hot["bench_product"] = self.bench_product.sku
        every = max(1, self.ids["lots"] // 50)
        self.hot["sample_lots"] = [self.lot_code[lot] for lot in
                                   range(every, self.ids["lots"] + 1, every)][:50]
        self.hot["receipt"] = {"item": self.hub.sku, "quantity": "25000", "unit_cost": "0.0042",
                               "location": self.location_code[self.locations_by["RM"][0]]}
        self.hot["library_product"] = self.library.sku
        self.hot["hub_item"] = self.hub.sku

    # --- the end: balances, statuses, counters ------------------------------------------------

    def close(self) -> None:
        rows = self.rows
        rows.flush()
        lots = Lot.__table__
        for lot, (status, reason) in self.status_changed.items():
            rows.connection.execute(sa.update(lots).where(lots.c.id == lot)
                                    .values(status=status, status_reason=reason))
        balances = [{"lot_id": lot, "location_id": location,
                     "item_id": self.lot_item[lot].id, "quantity": dec(quantity)}
                    for (lot, location), quantity in self.balance.items()]
        rows.write(Balance, balances)
        rows.write(Sequence, [
            {"name": "production_order", "value": self.ids["production_orders"]},
            {"name": "shipment", "value": self.ids["shipments"]}])
        self.counts["balances"] = len(balances)
        self.counts["locations"] = self.ids["locations"]
        self.counts["customers"] = len(self.customers)
        self.counts["suppliers"] = len(self.suppliers)


_OVERRIDES = ("open container first", "this one was on the bench",
              "finishing a part-used container", "nearer the production room")


def _gtin(n: int) -> str:
    """A valid GTIN-13 in a made-up company prefix."""
    body = f"594{n:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# --- the command ------------------------------------------------------------------------------

def database_is_empty() -> bool:
    for table in db.metadata.sorted_tables:
        if db.session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            return False
    return True


def synthesize(lots: int, seed: int = 1, end: date | None = None,
               ready_orders: int | None = None,
               progress: Callable[[str], None] = lambda text: None) -> Summary:
    """Fill an empty database with a synthetic decade (see the module docstring)."""
    if not database_is_empty():
        raise Conflict("the database is not empty: synth fills an empty one only",
                       field="lots")
    db.session.rollback()
    began = time.monotonic()
    sizes = Sizes.for_lots(lots, ready_orders)
    end = end or date.today()
    engine = db.engine
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # A bulk load that can be redone from the seed need not survive a power cut.
            cursor = connection.connection.cursor()  # outside any transaction
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
            cursor.close()
        rows = _Rows(connection)
        history = _History(sizes, seed, end, rows)
        connection.begin()
        history.master_data()
        history.recipes()
        orders = history.plan_orders()
        progress(f"synth: {sizes.lots} lots planned, {len(orders)} product orders, "
                 f"{len(history.items)} items, seed {seed}, {history.start} to {end}")
        history.run(orders, progress)
        history.close()
        connection.commit()
        _after_bulk_load(connection)
    summary = Summary(sizes, dict(history.counts), history.hot, time.monotonic() - began, end)
    return summary


def _after_bulk_load(connection) -> None:
    """Sequences past the ids written here (PostgreSQL), and fresh planner statistics:
    without them the first queries on a table of millions of rows plan as if it were
    empty."""
    if connection.dialect.name == "postgresql":
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and \
                    isinstance(table.c.id.type, sa.Integer):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)")
        connection.commit()
        # VACUUM cannot run in a transaction; it also marks pages all-visible, which
        # index-only scans need.
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.exec_driver_sql("VACUUM ANALYZE")
    else:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
