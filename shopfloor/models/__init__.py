"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers
every table on the metadata (Alembic and create_all rely on that)."""

from shopfloor.models.audit import AuditEvent  # noqa: F401
from shopfloor.models.idempotency import IdempotencyRecord  # noqa: F401
from shopfloor.models.master import Customer, Item, Location, Sequence, Setting, Supplier  # noqa: F401
from shopfloor.models.printing import Printer  # noqa: F401
from shopfloor.models.production import (  # noqa: F401
    LotLink,
    OrderRequirement,
    ProductionOrder,
    ProductionPick,
    Recipe,
    RecipeLine,
)
from shopfloor.models.purchasing import PurchaseOrder, PurchaseOrderLine  # noqa: F401
from shopfloor.models.sales import SalesOrder, SalesOrderLine  # noqa: F401
from shopfloor.models.shipping import Shipment, ShipmentLine  # noqa: F401
from shopfloor.models.stock import (  # noqa: F401
    Balance,
    Lot,
    StockCount,
    StockCountLine,
    StockMove,
)
from shopfloor.models.users import ApiToken, LoginAttempt, User  # noqa: F401
