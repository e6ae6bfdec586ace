{#- Rows sharing the same values in all the columns; nulls count as equal, as in GROUP BY. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns = combination_of_columns | join(', ') %}

select {{ columns }}, count(*) as n_records
from {{ model }}
group by {{ columns }}
having count(*) > 1

{% endtest %}
