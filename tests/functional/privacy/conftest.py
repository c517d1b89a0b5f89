"""The privacy tests text the debtor through the Brevo twin (``tests/functional/sms/support.py``)."""

from tests.functional.sms.support import twin  # noqa: F401  (the fixture, wired into the services)
