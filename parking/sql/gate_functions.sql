-- OpenLot gate decisions on PostgreSQL, one round trip each (parking/fastpath.py).
-- The functions as they stand, installed by migration parking 0004; a change to this
-- file comes with a migration that installs it again (parking/sql/__init__.py), so a
-- database migrated earlier gets the new bodies. PL/pgSQL bodies are checked against
-- the tables only when they run, so installing the latest at 0004 is safe too.
-- CREATE OR REPLACE cannot change a function's arguments or result columns: such a
-- change also needs its migration to DROP the old function first. (Connections
-- that prepared the old one recover by themselves: parking.fastpath.STALE_STATEMENT.)
--
-- These functions decide what parking.services.admit_vehicle / release_vehicle decide
-- through the ORM: the same outcomes (tests/test_gate_paths.py runs both on the same
-- random day of gate calls and compares every answer), the gate's display language
-- with each answer, and the same lock order: vehicle row, lot row, event row, and the
-- gate's row (last_seen_at) last, so two calls of one gate never wait for each other in
-- opposite orders. (Forgetting a stale read_id locks that old event first: only calls
-- carrying that same read_id ever wait on it.)
--
-- No BEGIN ... EXCEPTION blocks: each is a sub-transaction PostgreSQL must open, give
-- its own transaction id when it writes, and close, on every call (pgbench, 32 lots,
-- 10 clients: 3,900 entries a second with them, 5,100 without). Instead:
--   * a plate already inside: INSERT ... ON CONFLICT DO NOTHING inserts nothing;
--   * a full lot: the session just inserted is deleted again (this call's own row,
--     in this call's transaction);
--   * a read_id retried after its answer: found before anything is decided, replayed;
--   * a read_id retried while its first call is still deciding (two calls racing with
--     one read_id): the event insert meets the other call's row and the function
--     raises SQLSTATE OL002, which undoes this call entirely; parking.fastpath asks
--     again, and the answer is replayed.
-- No calls of SQL-language helpers for the small updates (forgetting a stale read_id,
-- marking the gate seen): PL/pgSQL would plan such a call's body again every time
-- (pgbench, entry+exit pairs: 25-30% more a second with the statements written inline).
-- A retry is the same read_id with the same plate, as read or as normalised ("rid 0003"
-- and "RID-0003" are one read formatted twice); another plate is read_id_reused.
-- A read_id answers retries for a while (READ_ID_TTL_SECONDS); after that it is
-- forgotten, so a gate that reuses one (firmware after a reboot) gets a fresh decision.
-- ("#variable_conflict use_column": in ON CONFLICT (gate_id, read_id) the names are the
-- table's columns, not the result columns of the same names.)


-- Whether a vehicle may leave is decided in Python (parking.status.session_status),
-- the one place fees are computed. This predicate only recognises the common cases that
-- certainly need no fee: inside a paid exit window, or inside the free minutes of a stay.
-- tests/test_gate_paths.py checks that whatever it lets out, session_status lets out too.
CREATE OR REPLACE FUNCTION openlot_exit_certainly_allowed(
    p_entered_at timestamptz, p_billing_from timestamptz, p_exit_allowed_until timestamptz,
    p_free_minutes integer, p_now timestamptz
) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN p_exit_allowed_until IS NOT NULL THEN p_now <= p_exit_allowed_until
        ELSE p_billing_from = p_entered_at
             AND p_now - p_entered_at <= make_interval(mins => p_free_minutes)
    END
$$;


-- Entry: authenticate, replay a retried read_id, admit or refuse, log; one statement.
CREATE OR REPLACE FUNCTION openlot_gate_entry(
    p_token_hash text,
    p_session_id uuid,
    p_plate text,
    p_plate_key text,
    p_plate_as_read text,
    p_photo_url text,
    p_photo_thumbnail text,
    p_read_id uuid,
    p_now timestamptz,
    p_seen_resolution interval,
    p_read_ttl interval
) RETURNS TABLE (
    outcome text, gate_id bigint, lot_id bigint, direction text, currency text,
    session_id uuid, plate text, available integer, replayed boolean, gate_language text
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    g record;
    e record;
    v_outcome text;
    v_session uuid;
    v_available integer;
    v_occupied integer;
    v_capacity integer;
    v_event bigint;
BEGIN
    SELECT gt.id, gt.lot_id, gt.direction, gt.revoked_at, gt.last_seen_at, gt.language,
           l.is_active, l.capacity, l.occupied, l.currency
      INTO g
      FROM parking_gate gt JOIN lots_lot l ON l.id = gt.lot_id
     WHERE gt.token_hash = p_token_hash;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unauthorized', NULL::bigint, NULL::bigint, NULL::text, NULL::text,
                            NULL::uuid, p_plate, NULL::integer, false, NULL::text;
        RETURN;
    END IF;
    IF g.revoked_at IS NOT NULL OR g.direction <> 'entry' THEN
        RETURN QUERY SELECT CASE WHEN g.revoked_at IS NOT NULL THEN 'token_revoked'
                                 ELSE 'wrong_direction' END,
                            g.id, g.lot_id, g.direction::text, g.currency::text,
                            NULL::uuid, p_plate, NULL::integer, false, g.language::text;
        RETURN;
    END IF;
    IF p_read_id IS NOT NULL THEN
        UPDATE parking_gateevent ev SET read_id = NULL
         WHERE ev.gate_id = g.id AND ev.read_id = p_read_id
           AND ev.created_at < p_now - p_read_ttl;
        SELECT ev.outcome, ev.plate, ev.plate_as_read, ev.session_id, ev.available INTO e
          FROM parking_gateevent ev WHERE ev.gate_id = g.id AND ev.read_id = p_read_id;
        IF FOUND THEN
            RETURN QUERY SELECT CASE WHEN e.plate_as_read = p_plate_as_read OR e.plate = p_plate
                                     THEN e.outcome::text
                                     ELSE 'read_id_reused' END,
                                g.id, g.lot_id, g.direction::text, g.currency::text,
                                e.session_id, e.plate::text, e.available, true,
                                g.language::text;
            RETURN;
        END IF;
    END IF;

    IF NOT g.is_active THEN
        SELECT s.id INTO v_session FROM parking_parkingsession s
         WHERE s.lot_id = g.lot_id AND s.plate = p_plate;
        v_outcome := CASE WHEN FOUND THEN 'already_inside' ELSE 'lot_closed' END;
        v_available := 0;  -- a closed lot has no space to offer, whatever its count
    ELSE
        INSERT INTO parking_parkingsession (
            id, lot_id, plate, plate_key, plate_as_read, photo_url, photo_thumbnail,
            entry_gate_id, entered_at, billing_from, exit_allowed_until, created_at, updated_at)
        VALUES (p_session_id, g.lot_id, p_plate, p_plate_key, p_plate_as_read, p_photo_url,
                p_photo_thumbnail, g.id, p_now, p_now, NULL, p_now, p_now)
        ON CONFLICT ON CONSTRAINT session_unique_plate_per_lot DO NOTHING
        RETURNING parking_parkingsession.id INTO v_session;
        IF v_session IS NULL THEN
            -- The plate is inside (a re-read, or another gate won the race).
            SELECT s.id INTO v_session FROM parking_parkingsession s
             WHERE s.lot_id = g.lot_id AND s.plate = p_plate;
            SELECT greatest(l.capacity - l.occupied, 0) INTO v_available
              FROM lots_lot l WHERE l.id = g.lot_id;
            v_outcome := 'already_inside';
        ELSE
            UPDATE lots_lot l SET occupied = l.occupied + 1, updated_at = p_now
             WHERE l.id = g.lot_id AND l.occupied < l.capacity
            RETURNING l.occupied, l.capacity INTO v_occupied, v_capacity;
            IF FOUND THEN
                v_outcome := 'entered';
                v_available := v_capacity - v_occupied;
            ELSE
                -- Full: the session this call just inserted goes again.
                DELETE FROM parking_parkingsession s WHERE s.id = p_session_id;
                v_outcome := 'full';
                v_session := NULL;
                v_available := 0;
            END IF;
        END IF;
    END IF;

    INSERT INTO parking_gateevent (
        lot_id, gate_id, direction, plate, plate_as_read, outcome, session_id, read_id,
        available, amount_due, currency, created_at)
    VALUES (g.lot_id, g.id, 'entry', p_plate, p_plate_as_read, v_outcome, v_session,
            p_read_id, v_available, NULL, '', p_now)
    ON CONFLICT (gate_id, read_id) WHERE read_id IS NOT NULL DO NOTHING
    RETURNING parking_gateevent.id INTO v_event;
    IF v_event IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'OL002',
            MESSAGE = 'read_id answered meanwhile by another call: ask again';
    END IF;
    IF g.last_seen_at IS NULL OR p_now - g.last_seen_at >= p_seen_resolution THEN
        UPDATE parking_gate gt SET last_seen_at = p_now WHERE gt.id = g.id;
    END IF;
    -- The answer as the result columns, not RETURN QUERY SELECT: one statement less.
    outcome := v_outcome; gate_id := g.id; lot_id := g.lot_id; direction := g.direction;
    currency := g.currency; session_id := v_session; plate := p_plate;
    available := v_available; replayed := false; gate_language := g.language;
    RETURN NEXT;
END
$$;


-- Exit, first (and usually only) round trip: authenticate, replay a retried read_id,
-- find the vehicle (the exact plate, else the only one equal up to OCR confusions),
-- and let it out if it certainly owes nothing. Otherwise answer 'decide' with what
-- Python needs to compute the fee; Python then records its decision with
-- openlot_gate_exit below.
CREATE OR REPLACE FUNCTION openlot_gate_leave(
    p_token_hash text,
    p_plate text,
    p_plate_key text,
    p_plate_as_read text,
    p_read_id uuid,
    p_now timestamptz,
    p_seen_resolution interval,
    p_read_ttl interval,
    -- Defaults, so a server still running the code of before parking 0014 (8 arguments)
    -- keeps deciding exits while a deploy replaces it (rereads then recognised by the
    -- exact plate only). The fold is parking.plates.ocr_key's, as translate() takes it.
    p_reread interval DEFAULT interval '60 seconds',
    p_fold_from text DEFAULT NULL,
    p_fold_to text DEFAULT NULL
) RETURNS TABLE (
    outcome text, gate_id bigint, lot_id bigint, direction text, currency text,
    timezone text, capacity integer, occupied integer, last_seen_at timestamptz,
    free_minutes integer, first_period_minutes integer, first_period_price integer,
    unit_minutes integer, unit_price integer, daily_cap integer,
    session_id uuid, plate text, entered_at timestamptz, billing_from timestamptz,
    exit_allowed_until timestamptz, available integer, amount_due bigint, replayed boolean,
    gate_language text, charged_on_billing_day bigint, charged_on_window_end_day bigint
) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    g record;
    e record;
    s record;
    c record;
    v_matches integer;
    v_occupied integer;
    v_capacity integer;
    v_event bigint;
BEGIN
    SELECT gt.id, gt.lot_id, gt.direction, gt.revoked_at, gt.last_seen_at, gt.language,
           l.is_active, l.capacity, l.occupied, l.currency, l.timezone,
           t.free_minutes, t.first_period_minutes, t.first_period_price,
           t.unit_minutes, t.unit_price, t.daily_cap
      INTO g
      FROM parking_gate gt
      JOIN lots_lot l ON l.id = gt.lot_id
      JOIN lots_tariff t ON t.lot_id = l.id
     WHERE gt.token_hash = p_token_hash;
    IF NOT FOUND THEN
        outcome := 'unauthorized';
        RETURN NEXT;
        RETURN;
    END IF;
    gate_id := g.id; lot_id := g.lot_id; direction := g.direction; currency := g.currency;
    gate_language := g.language;
    IF g.revoked_at IS NOT NULL OR g.direction <> 'exit' THEN
        outcome := CASE WHEN g.revoked_at IS NOT NULL THEN 'token_revoked'
                        ELSE 'wrong_direction' END;
        RETURN NEXT;
        RETURN;
    END IF;
    IF p_read_id IS NOT NULL THEN
        UPDATE parking_gateevent ev SET read_id = NULL
         WHERE ev.gate_id = g.id AND ev.read_id = p_read_id
           AND ev.created_at < p_now - p_read_ttl;
        SELECT ev.outcome, ev.plate, ev.plate_as_read, ev.session_id, ev.available,
               ev.amount_due INTO e
          FROM parking_gateevent ev WHERE ev.gate_id = g.id AND ev.read_id = p_read_id;
        IF FOUND THEN
            outcome := CASE WHEN e.plate_as_read = p_plate_as_read OR e.plate = p_plate
                            THEN e.outcome
                            ELSE 'read_id_reused' END;
            session_id := e.session_id; plate := e.plate; available := e.available;
            amount_due := e.amount_due; replayed := true;
            RETURN NEXT;
            RETURN;
        END IF;
    END IF;

    -- The exact plate (one statement, the usual case); else a look-alike, if it is
    -- the only one. Without a row, s holds nulls.
    SELECT ps.id, ps.plate, ps.entered_at, ps.billing_from, ps.exit_allowed_until,
           ps.charged_on_billing_day, ps.charged_on_window_end_day INTO s
      FROM parking_parkingsession ps
     WHERE ps.lot_id = g.lot_id AND ps.plate = p_plate
       FOR UPDATE;
    v_matches := 0;
    IF NOT FOUND THEN
        -- A car with this plate or a look-alike of it left the lot moments ago
        -- (p_reread): this is the camera reading that car again as it drives off, maybe
        -- misread, not a look-alike's exit. A look-alike picked here would be let out,
        -- or its record deleted and its space freed, while it is still parked.
        -- (parking.services.left_just_now on the ORM path.)
        PERFORM 1 FROM parking_gateevent ev
          WHERE ev.lot_id = g.lot_id AND ev.created_at > p_now - p_reread
            AND ev.outcome = 'exit_granted'
            AND (ev.plate = p_plate
                 OR translate(ev.plate, p_fold_from, p_fold_to) = p_plate_key);
        IF NOT FOUND THEN
            -- Every look-alike locked and counted by the same statement (in id order, as
            -- the ORM path locks them): what is counted is what is locked, so a look-alike
            -- that enters meanwhile is never picked unseen (a count, then a lock, each with
            -- its own snapshot, could find one and lock two).
            FOR c IN SELECT ps.id, ps.plate, ps.entered_at, ps.billing_from,
                            ps.exit_allowed_until, ps.charged_on_billing_day,
                            ps.charged_on_window_end_day
                       FROM parking_parkingsession ps
                      WHERE ps.lot_id = g.lot_id AND ps.plate_key = p_plate_key
                      ORDER BY ps.id
                        FOR UPDATE LOOP
                v_matches := v_matches + 1;
            END LOOP;
            IF v_matches = 1 THEN
                s := c;
            END IF;
        END IF;
    END IF;
    IF s.id IS NOT NULL AND NOT openlot_exit_certainly_allowed(
            s.entered_at, s.billing_from, s.exit_allowed_until, g.free_minutes, p_now) THEN
        -- A fee may be due: Python decides (and records with openlot_gate_exit).
        outcome := 'decide';
        timezone := g.timezone; capacity := g.capacity; occupied := g.occupied;
        last_seen_at := g.last_seen_at;
        free_minutes := g.free_minutes; first_period_minutes := g.first_period_minutes;
        first_period_price := g.first_period_price; unit_minutes := g.unit_minutes;
        unit_price := g.unit_price; daily_cap := g.daily_cap;
        session_id := s.id; plate := s.plate; entered_at := s.entered_at;
        billing_from := s.billing_from; exit_allowed_until := s.exit_allowed_until;
        charged_on_billing_day := s.charged_on_billing_day;
        charged_on_window_end_day := s.charged_on_window_end_day;
        RETURN NEXT;
        RETURN;
    END IF;

    IF s.id IS NULL THEN
        -- None inside, or several look-alikes and not the exact plate: staff must look.
        outcome := CASE WHEN v_matches > 1 THEN 'ambiguous_plate' ELSE 'no_entry_record' END;
        -- The count as it is now, not as the first statement read it: the lookup above
        -- may have waited for another exit of this car, which freed its space meanwhile.
        SELECT CASE WHEN l.is_active THEN greatest(l.capacity - l.occupied, 0) ELSE 0 END
          INTO available FROM lots_lot l WHERE l.id = g.lot_id;
        plate := p_plate;
    ELSE
        DELETE FROM parking_parkingsession ps WHERE ps.id = s.id;
        UPDATE lots_lot l SET occupied = l.occupied - 1, updated_at = p_now
         WHERE l.id = g.lot_id AND l.occupied > 0
        RETURNING l.occupied, l.capacity INTO v_occupied, v_capacity;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'lot % has no occupied space to free', g.lot_id;
        END IF;
        outcome := 'exit_granted';
        available := CASE WHEN g.is_active THEN v_capacity - v_occupied ELSE 0 END;
        session_id := s.id;
        plate := s.plate;
    END IF;
    INSERT INTO parking_gateevent (
        lot_id, gate_id, direction, plate, plate_as_read, outcome, session_id, read_id,
        available, amount_due, currency, created_at)
    VALUES (g.lot_id, g.id, 'exit', plate, p_plate_as_read, outcome, s.id, p_read_id,
            available, NULL, '', p_now)
    ON CONFLICT (gate_id, read_id) WHERE read_id IS NOT NULL DO NOTHING
    RETURNING parking_gateevent.id INTO v_event;
    IF v_event IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'OL002',
            MESSAGE = 'read_id answered meanwhile by another call: ask again';
    END IF;
    replayed := false;
    IF g.last_seen_at IS NULL OR p_now - g.last_seen_at >= p_seen_resolution THEN
        UPDATE parking_gate gt SET last_seen_at = p_now WHERE gt.id = g.id;
    END IF;
    RETURN NEXT;
END
$$;


-- Exit, second round trip when Python decided (a fee was computed): record the decision.
-- A granted exit deletes the vehicle only if its payment state is still what was
-- decided on, else it answers 'changed' and Python decides again.
CREATE OR REPLACE FUNCTION openlot_gate_exit(
    p_gate_id bigint,
    p_lot_id bigint,
    p_outcome text,
    p_session_id uuid,
    p_billing_from timestamptz,
    p_exit_allowed_until timestamptz,
    p_plate text,
    p_plate_as_read text,
    p_read_id uuid,
    -- Unused since parking 0015 (the count is read here, as it is when recording), kept so
    -- that servers of the release before keep recording exits while a deploy replaces them.
    p_available integer,
    p_amount_due bigint,
    p_currency text,
    p_now timestamptz,
    p_mark_seen boolean
) RETURNS TABLE (outcome text, session_id uuid, plate text, available integer,
                 amount_due bigint, replayed boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_available integer;
    v_occupied integer;
    v_capacity integer;
    v_active boolean;
    v_event bigint;
BEGIN
    IF p_outcome = 'exit_granted' THEN
        DELETE FROM parking_parkingsession s
         WHERE s.id = p_session_id
           AND s.billing_from = p_billing_from
           AND s.exit_allowed_until IS NOT DISTINCT FROM p_exit_allowed_until;
        IF NOT FOUND THEN
            RETURN QUERY SELECT 'changed', NULL::uuid, p_plate, NULL::integer,
                                NULL::bigint, false;
            RETURN;
        END IF;
        UPDATE lots_lot l SET occupied = l.occupied - 1, updated_at = p_now
         WHERE l.id = p_lot_id AND l.occupied > 0
        RETURNING l.occupied, l.capacity, l.is_active INTO v_occupied, v_capacity, v_active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'lot % has no occupied space to free', p_lot_id;
        END IF;
        v_available := CASE WHEN v_active THEN v_capacity - v_occupied ELSE 0 END;
    ELSE
        -- Payment required: the count now, not as openlot_gate_leave read it.
        SELECT CASE WHEN l.is_active THEN greatest(l.capacity - l.occupied, 0) ELSE 0 END
          INTO v_available FROM lots_lot l WHERE l.id = p_lot_id;
    END IF;
    INSERT INTO parking_gateevent (
        lot_id, gate_id, direction, plate, plate_as_read, outcome, session_id, read_id,
        available, amount_due, currency, created_at)
    VALUES (p_lot_id, p_gate_id, 'exit', p_plate, p_plate_as_read, p_outcome, p_session_id,
            p_read_id, v_available, p_amount_due,
            CASE WHEN p_amount_due IS NULL THEN '' ELSE p_currency END, p_now)
    ON CONFLICT (gate_id, read_id) WHERE read_id IS NOT NULL DO NOTHING
    RETURNING parking_gateevent.id INTO v_event;
    IF v_event IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'OL002',
            MESSAGE = 'read_id answered meanwhile by another call: ask again';
    END IF;
    IF p_mark_seen THEN
        UPDATE parking_gate SET last_seen_at = p_now WHERE id = p_gate_id;
    END IF;
    outcome := p_outcome; session_id := p_session_id; plate := p_plate;
    available := v_available; amount_due := p_amount_due; replayed := false;
    RETURN NEXT;
END
$$;
