"""Agencies (cơ quan chuyên môn, tổ chức) and the decisions defining their functions."""
