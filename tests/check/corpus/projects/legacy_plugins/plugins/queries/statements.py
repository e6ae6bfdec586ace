# expect: none
class Statements:
    """SQL kept in a package whose __init__.py the repository does not hold."""

    select_plays = "SELECT play_id, user_id, played_at FROM staged_plays"
    select_users = "SELECT DISTINCT user_id, name FROM staged_plays"
    insert_venues = """
        INSERT INTO venues (venue_id, name)
        SELECT DISTINCT venue_id, venue_name FROM staged_plays
    """
