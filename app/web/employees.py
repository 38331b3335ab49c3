"""REST resources for people: employees, invites, HR imports, GDPR export and erasure."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.people.models import Role
from app.people.schemas import (
    EmployeeCreate,
    EmployeeFilter,
    EmployeeOut,
    EmployeePage,
    EmployeeUpdate,
    InviteOut,
)
from app.people.service import InviteLink
from app.web.api import Api, Call

TAG = "Employees"


class ImportProblem(BaseModel):
    line: int
    message: str


class ImportReportOut(BaseModel):
    encoding: str = Field(
        description="How the file was read: UTF-8, UTF-8 with BOM or Windows-1252"
    )
    delimiter: str = Field(description="The column separator found in the header: , or ;")
    rows: int
    created: int
    updated: int
    unchanged: int
    left: int
    invited: int
    errors: list[ImportProblem]


def invite_out(link: InviteLink) -> InviteOut:
    return InviteOut(
        employee_id=link.employee.id,
        email=link.employee.email,
        name=link.employee.name,
        code=link.invite.code,
        telegram_link=link.telegram_link,
        telegram_link_missing=link.telegram.missing or None,
        expires_at=link.invite.expires_at,
    )


def register(api: Api) -> None:
    @api.operation(
        "GET",
        "/employees",
        summary="List employees",
        tag=TAG,
        role=Role.RECRUITER,
        query=EmployeeFilter,
        response=EmployeePage,
    )
    async def list_employees(call: Call) -> EmployeePage:
        where: EmployeeFilter = call.query
        items, total = await call.services.people.search(where)
        return EmployeePage(
            items=[EmployeeOut.model_validate(e) for e in items],
            total=total,
            limit=where.limit,
            offset=where.offset,
        )

    @api.operation(
        "POST",
        "/employees",
        summary="Create an employee (status invited)",
        tag=TAG,
        role=Role.ADMIN,
        body=EmployeeCreate,
        response=EmployeeOut,
        status=201,
        errors=(409,),
    )
    async def create_employee(call: Call) -> EmployeeOut:
        employee = await call.services.people.create(call.body)
        return EmployeeOut.model_validate(employee)

    @api.operation(
        "GET",
        r"/employees/{employee_id:\d+}",
        summary="Get an employee",
        tag=TAG,
        role=Role.EMPLOYEE,
        response=EmployeeOut,
        description="Employees may read their own record; recruiters and admins any.",
    )
    async def get_employee(call: Call) -> EmployeeOut:
        employee_id = call.path["employee_id"]
        call.require_self_or(Role.RECRUITER, employee_id)
        return EmployeeOut.model_validate(await call.services.people.get(employee_id))

    @api.operation(
        "PATCH",
        r"/employees/{employee_id:\d+}",
        summary="Update an employee",
        tag=TAG,
        role=Role.ADMIN,
        body=EmployeeUpdate,
        response=EmployeeOut,
        errors=(409,),
    )
    async def update_employee(call: Call) -> EmployeeOut:
        employee = await call.services.people.update(call.path["employee_id"], call.body)
        return EmployeeOut.model_validate(employee)

    @api.operation(
        "POST",
        r"/employees/{employee_id:\d+}/deactivate",
        summary="Mark an employee as having left",
        tag=TAG,
        role=Role.ADMIN,
        response=EmployeeOut,
        description="Their chat accounts, API tokens and pending invites stop working.",
    )
    async def deactivate_employee(call: Call) -> EmployeeOut:
        employee = await call.services.people.deactivate(call.path["employee_id"])
        return EmployeeOut.model_validate(employee)

    @api.operation(
        "GET",
        r"/employees/{employee_id:\d+}/export",
        summary="Export all data held about an employee (GDPR)",
        tag=TAG,
        role=Role.EMPLOYEE,
        response=dict[str, Any],
        description="Employees may export their own data; admins anyone's.",
    )
    async def export_employee(call: Call) -> dict[str, Any]:
        employee_id = call.path["employee_id"]
        call.require_self_or(Role.ADMIN, employee_id)
        return await call.services.privacy.export(employee_id)

    @api.operation(
        "POST",
        r"/employees/{employee_id:\d+}/erase",
        summary="Erase an employee's personal data (GDPR)",
        tag=TAG,
        role=Role.ADMIN,
        response=EmployeeOut,
        description="Personal data is removed; anonymised aggregates are kept.",
    )
    async def erase_employee(call: Call) -> EmployeeOut:
        employee = await call.services.privacy.erase(call.path["employee_id"])
        return EmployeeOut.model_validate(employee)

    @api.operation(
        "POST",
        "/employees/import",
        summary="Create, update and deactivate from an HR CSV",
        tag=TAG,
        role=Role.ADMIN,
        body=bytes,
        body_media="text/csv",
        response=ImportReportOut,
        description="Columns: email, name, department, location, language, timezone, role, "
        "external_id, status (active|left), separated by , or ; (found from the header). "
        "UTF-8 (with or without BOM) or Windows-1252. Malformed rows are reported by line "
        "number.",
    )
    async def import_employees(call: Call) -> ImportReportOut:
        report = await call.services.employee_import.run(call.body)
        return ImportReportOut(
            encoding=report.file.encoding,
            delimiter=report.file.delimiter,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            left=report.left,
            invited=report.invited,
            errors=[ImportProblem(line=line, message=msg) for line, msg in report.errors],
        )

    @api.operation(
        "POST",
        r"/employees/{employee_id:\d+}/invites",
        summary="Create a one-time invite (older ones stop working)",
        tag="Invites",
        role=Role.ADMIN,
        response=InviteOut,
        status=201,
        errors=(403,),
    )
    async def create_invite(call: Call) -> InviteOut:
        return invite_out(await call.services.people.invite(call.path["employee_id"]))

    @api.operation(
        "GET",
        "/invites",
        summary="List pending invites",
        tag="Invites",
        role=Role.ADMIN,
        response=list[InviteOut],
    )
    async def list_invites(call: Call) -> list[InviteOut]:
        return [invite_out(link) for link in await call.services.people.pending_invites()]
