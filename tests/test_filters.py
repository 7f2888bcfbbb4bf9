"""The Python-built HTML fragments of long lists: escaped, and the current value selected."""

from __future__ import annotations

from engage.filters import select_options, sla_tag


def test_select_options_escape_values_and_text_and_select_the_current_value_as_text():
    html = select_options([("", "Any output"), (7, "Crime <b>&</b>"), ('x"y', "Other")], "7")
    assert html == (
        '<option value="">Any output</option>'
        '<option value="7" selected>Crime &lt;b&gt;&amp;&lt;/b&gt;</option>'
        '<option value="x&#34;y">Other</option>'
    )
    assert select_options([("", "Any")], None) == '<option value="" selected>Any</option>'
    assert "selected" not in select_options([(1, "One")], "")


def test_sla_tags_have_the_status_colour_and_an_unknown_status_is_grey_and_escaped():
    assert sla_tag("overdue") == '<strong class="govuk-tag govuk-tag--red">Overdue</strong>'
    assert sla_tag("met") == '<strong class="govuk-tag govuk-tag--blue">Met</strong>'
    assert sla_tag("<i>") == '<strong class="govuk-tag govuk-tag--grey">&lt;i&gt;</strong>'
