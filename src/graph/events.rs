//! Events: the typed model of a Graph event (both ways), and the calls
//! CalDAV needs (one event, a series' instances, calendarView delta, create,
//! update, delete, meeting answers, getSchedule).
