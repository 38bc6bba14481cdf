"""Every table of every domain, for migrations and tests."""

from boardkit.core import models as core_models
from boardkit.core.db import Base
from boardkit.core.notify import models as notify_models
from boardkit.democracy import models as democracy_models
from boardkit.expenses import models as expenses_models
from boardkit.forum import models as forum_models
from boardkit.handover import models as handover_models
from boardkit.library import models as library_models
from boardkit.meetings import models as meetings_models
from boardkit.onboarding import models as onboarding_models
from boardkit.org import models as org_models
from boardkit.permits import models as permits_models

metadata = Base.metadata
MODULES = (
    core_models,
    notify_models,
    org_models,
    meetings_models,
    expenses_models,
    permits_models,
    onboarding_models,
    forum_models,
    library_models,
    handover_models,
    democracy_models,
)
