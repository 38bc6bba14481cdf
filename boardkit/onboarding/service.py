"""The onboarding domain's public face: what pages, the API and other domains call."""

from __future__ import annotations

from boardkit.onboarding import declarations as _declarations
from boardkit.onboarding import progress as _progress
from boardkit.onboarding.assign import assign as assign
from boardkit.onboarding.assign import programme_role as programme_role
from boardkit.onboarding.contacts import DepartmentContacts as DepartmentContacts
from boardkit.onboarding.contacts import list_contacts as list_contacts
from boardkit.onboarding.declarations import locked_boards as locked_boards
from boardkit.onboarding.declarations import sign as sign
from boardkit.onboarding.programmes import ModuleInput as ModuleInput
from boardkit.onboarding.programmes import add_module as add_module
from boardkit.onboarding.programmes import programme as programme
from boardkit.onboarding.programmes import publish as publish
from boardkit.onboarding.progress import Step as Step
from boardkit.onboarding.progress import board_status as board_status
from boardkit.onboarding.progress import current as current
from boardkit.onboarding.progress import my_programmes as my_programmes
from boardkit.onboarding.progress import one_step as one_step
from boardkit.onboarding.progress import record as record
from boardkit.onboarding.progress import step_of_module as step_of_module
from boardkit.onboarding.yearplan import YearEvent as YearEvent
from boardkit.onboarding.yearplan_board import BoardPlan as BoardPlan
from boardkit.onboarding.yearplan_board import board_plan as board_plan

create_declaration = _declarations.create
new_declaration_version = _declarations.new_version
sign_and_version = _declarations.sign_and_version
MemberProgramme = _progress.Programme
