// CLibPQ: PostgreSQL's client library, entered only by the JobQueue module (its PostgreSQL
// backend). libpq never longjmps and never exits: every call returns a status or a result that
// Swift checks, so no C target of our own is needed around it.
#include <libpq-fe.h>
