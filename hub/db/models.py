"""ORM models. The schema itself is owned by Alembic migrations (hub/migrations).

All timestamps are stored as UTC (``UtcDateTime`` makes SQLite hand them back
time-zone aware). Ids of organisation objects are the slugs from the terminal
configuration files, so MQTT topics, YAML and the API use the same names.
"""

# The models live in one module per subject (hub/db/*_models.py) and are importable from here;
# importing this module also makes every table known to Base.metadata (Alembic, the schema
# test), including those no one imports from here (alerts, minutes, reports, speech, voice).
from hub.db import alert_models as _alert_models  # noqa: F401
from hub.db import minutes_models as _minutes_models  # noqa: F401
from hub.db import report_models as _report_models  # noqa: F401
from hub.db import speech_models as _speech_models  # noqa: F401
from hub.db import voice_models as _voice_models  # noqa: F401
from hub.db.analytics_models import ROLLUP_HOURS as ROLLUP_HOURS
from hub.db.analytics_models import TimeSeriesCursor as TimeSeriesCursor
from hub.db.analytics_models import analytics_group_days as analytics_group_days
from hub.db.analytics_models import analytics_meetings as analytics_meetings
from hub.db.analytics_models import analytics_rollup_state as analytics_rollup_state
from hub.db.analytics_models import analytics_space_days as analytics_space_days
from hub.db.analytics_models import analytics_zombies as analytics_zombies
from hub.db.base import Base as Base
from hub.db.base import UtcDateTime as UtcDateTime
from hub.db.booking_models import Booking as Booking
from hub.db.booking_models import BookingAttendee as BookingAttendee
from hub.db.booking_models import BookingDecision as BookingDecision
from hub.db.booking_models import BookingOccurrence as BookingOccurrence
from hub.db.booking_models import CalendarFeed as CalendarFeed
from hub.db.booking_models import Notification as Notification
from hub.db.booking_models import Webhook as Webhook
from hub.db.ingest_models import DeadLetter as DeadLetter
from hub.db.ingest_models import Device as Device
from hub.db.ingest_models import DeviceStatusChange as DeviceStatusChange
from hub.db.ingest_models import GivenUpRange as GivenUpRange
from hub.db.ingest_models import IngestedMessage as IngestedMessage
from hub.db.ingest_models import IngestStream as IngestStream
from hub.db.ingest_models import OccupancyChange as OccupancyChange
from hub.db.ingest_models import SensorEvent as SensorEvent
from hub.db.ingest_models import SpaceState as SpaceState
from hub.db.org_models import Building as Building
from hub.db.org_models import Department as Department
from hub.db.org_models import Desk as Desk
from hub.db.org_models import Floor as Floor
from hub.db.org_models import Room as Room
from hub.db.org_models import Site as Site
from hub.db.org_models import SiteHoliday as SiteHoliday
from hub.db.user_models import ApiToken as ApiToken
from hub.db.user_models import User as User
