-- Stored routines, applied with the client after the migrations:
--   mysql shop < routines/purge_user_events.sql
-- (golang-migrate sends a migration as one multi-statement query and does not read DELIMITER;
-- the mysql and mariadb clients do.)
DELIMITER //

DROP PROCEDURE IF EXISTS purge_user_events //

CREATE PROCEDURE purge_user_events(IN p_user BIGINT UNSIGNED, IN p_before DATETIME)
BEGIN
    DELETE FROM user_events WHERE user_id = p_user AND occurred_at < p_before;
    SELECT ROW_COUNT() AS purged;
END //

DELIMITER ;
