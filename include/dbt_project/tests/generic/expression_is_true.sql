{#- Rows for which the SQL boolean expression is false; rows where it is null pass. -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
