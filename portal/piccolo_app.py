"""The one Piccolo app: every table of every feature area, one migrations folder."""

from piccolo.conf.apps import AppConfig, table_finder

from portal.settings import PROJECT_ROOT

# Each feature area lists its tables module here as it lands.
TABLE_MODULES = [
    "portal.core.tables",
    "portal.accounts.tables",
    "portal.circle.tables",
    "portal.site.tables",
    "portal.documents.tables",
    "portal.messages.tables",
    "portal.catalogue.tables",
    "portal.profile.tables",
    "portal.agenda.tables",
    "portal.notes.tables",
    "portal.carers.tables",
    "portal.kiosk.tables",
    "portal.outreach.tables",
]

APP_CONFIG = AppConfig(
    app_name="portal",
    migrations_folder_path=str(PROJECT_ROOT / "migrations"),
    table_classes=table_finder(modules=TABLE_MODULES, exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
