"""Implementation plans (kế hoạch) of a province: the plan with its issuing decision, its items
(an assignee agency or a person through their placement, a deadline, an expected output,
dependencies between items, links to the records they concern), the assignees' progress
reports, the reminders and escalation of late items, closure with an assessment, and the
follow-up figures (overdue items, on-time completion rates per agency).

``service`` holds the plans and items, ``progress`` the progress reports, ``follow_up`` the
overdue list and the statistics, ``reminders`` the reminder worker, ``records`` what is read of
personnel and assets (through the gateway) to check an item's links and placement.
"""
