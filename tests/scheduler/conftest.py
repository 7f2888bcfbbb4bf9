from tests.mail.conftest import cso_address  # noqa: F401  (fixture)
from tests.smtp import smtp_sink  # noqa: F401  (fixture)
