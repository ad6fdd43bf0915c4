/*
 * cxml.h — the only door between Swift and libxml2, used by the Metadata module to parse XMP.
 *
 * libxml2 never longjmps or exits, but by default it prints errors to stderr through a
 * process-global handler. cxml_parse installs a structured error handler on its own parser
 * context instead (never the global default, which other code may rely on), keeps the first
 * error's message in the caller's cxml_status, and refuses any DTD: an XMP packet never has
 * one, and a DTD is the door to entity bombs and external entities. No network
 * (XML_PARSE_NONET), no entity substitution (XML_PARSE_NOENT off), no DTD loading.
 *
 * libxml2's own headers stay out of this one: they include the system ICU, which clashes with
 * the ICU inside Foundation. The tree is walked through the opaque accessors below instead.
 * Any thread may parse; a document and its nodes belong to one thread at a time.
 */
#ifndef CXML_H
#define CXML_H

#ifdef __cplusplus
extern "C" {
#endif

#define CXML_MESSAGE_CAPACITY 256

typedef struct cxml_status {
    int failed;   /* 1 once an error (not a warning) was seen; the document is then refused */
    int line;     /* where the first error was, 0 when unknown */
    char message[CXML_MESSAGE_CAPACITY];  /* one line, NUL-terminated */
} cxml_status;

typedef struct cxml_document cxml_document;
typedef struct cxml_node cxml_node;            /* an element, text or CDATA node */
typedef struct cxml_attribute cxml_attribute;
typedef struct cxml_namespace cxml_namespace;  /* an xmlns declaration */

typedef enum cxml_kind { CXML_OTHER = 0, CXML_ELEMENT = 1, CXML_TEXT = 2 } cxml_kind;

/* Parses `length` bytes into a document to free with cxml_free, or returns NULL with
 * `status` saying why. Any error fails the parse, even one libxml2 recovered from. */
cxml_document *cxml_parse(const char *bytes, int length, cxml_status *status);
void cxml_free(cxml_document *document);

const cxml_node *cxml_root(const cxml_document *document);
cxml_kind cxml_node_kind(const cxml_node *node);
const cxml_node *cxml_first_child(const cxml_node *node);
const cxml_node *cxml_next_sibling(const cxml_node *node);
/* UTF-8, NULL when absent: an element's local name, namespace URI and prefix; a text node's text. */
const char *cxml_node_name(const cxml_node *node);
const char *cxml_node_namespace(const cxml_node *node);
const char *cxml_node_prefix(const cxml_node *node);
const char *cxml_node_text(const cxml_node *node);

const cxml_attribute *cxml_first_attribute(const cxml_node *element);
const cxml_attribute *cxml_next_attribute(const cxml_attribute *attribute);
const char *cxml_attribute_name(const cxml_attribute *attribute);
const char *cxml_attribute_namespace(const cxml_attribute *attribute);
const char *cxml_attribute_prefix(const cxml_attribute *attribute);
/* The first text child of the value (libxml2 keeps a plain value as one text node). */
const cxml_node *cxml_attribute_value(const cxml_attribute *attribute);

const cxml_namespace *cxml_first_declaration(const cxml_node *element);
const cxml_namespace *cxml_next_declaration(const cxml_namespace *declaration);
const char *cxml_declaration_prefix(const cxml_namespace *declaration);
const char *cxml_declaration_uri(const cxml_namespace *declaration);

#ifdef __cplusplus
}
#endif

#endif
