/* The libxml2 calls behind cxml.h: parsing with a per-context error handler, and the tree. */
#include <pthread.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "cxml.h"

static void note(cxml_status *status, int line, const char *message) {
    if (status->failed) return;   /* the first error is the one that explains the others */
    status->failed = 1;
    status->line = line;
    strncpy(status->message, message ? message : "malformed XML", CXML_MESSAGE_CAPACITY - 1);
    status->message[CXML_MESSAGE_CAPACITY - 1] = 0;
    size_t n = strlen(status->message);   /* libxml2's messages end in a newline */
    while (n > 0 && (status->message[n - 1] == '\n' || status->message[n - 1] == ' ')) status->message[--n] = 0;
}

/* libxml2 calls this with the context's userData, which is the context itself. */
static void structured_error(void *data, xmlErrorPtr error) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)data;
    if (!ctxt || !ctxt->_private || !error || error->level == XML_ERR_WARNING) return;
    note((cxml_status *)ctxt->_private, error->line, error->message);
}

static void refuse_dtd(void *data, const xmlChar *name, const xmlChar *external, const xmlChar *system) {
    (void)name; (void)external; (void)system;
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)data;
    if (ctxt->_private) note((cxml_status *)ctxt->_private, ctxt->input ? ctxt->input->line : 0,
                             "a DTD (<!DOCTYPE>) is not allowed in an XMP packet");
    xmlStopParser(ctxt);
}

/* libxml2 must set up its globals once before threads parse at the same time (the daemon's
 * workers do); later parses with separate contexts are then independent. */
static pthread_once_t initialised = PTHREAD_ONCE_INIT;

cxml_document *cxml_parse(const char *bytes, int length, cxml_status *status) {
    pthread_once(&initialised, xmlInitParser);
    memset(status, 0, sizeof *status);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        note(status, 0, "out of memory creating an XML parser");
        return NULL;
    }
    ctxt->sax->initialized = XML_SAX2_MAGIC;   /* so libxml2 reports through serror, not globally */
    ctxt->sax->serror = structured_error;
    ctxt->sax->internalSubset = refuse_dtd;
    ctxt->sax->externalSubset = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    ctxt->_private = status;
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes, length, NULL, NULL, options);
    if (!ctxt->wellFormed || !ctxt->nsWellFormed) note(status, 0, "not well-formed XML");
    if (doc && status->failed) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc) note(status, 0, "not well-formed XML");
    xmlFreeParserCtxt(ctxt);
    return (cxml_document *)doc;
}

void cxml_free(cxml_document *document) {
    if (document) xmlFreeDoc((xmlDocPtr)document);
}

#define NODE(n) ((const xmlNode *)(n))

const cxml_node *cxml_root(const cxml_document *document) {
    return (const cxml_node *)xmlDocGetRootElement((const xmlDoc *)document);
}

cxml_kind cxml_node_kind(const cxml_node *node) {
    switch (NODE(node)->type) {
    case XML_ELEMENT_NODE: return CXML_ELEMENT;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE: return CXML_TEXT;
    default: return CXML_OTHER;
    }
}

const cxml_node *cxml_first_child(const cxml_node *node) { return (const cxml_node *)NODE(node)->children; }
const cxml_node *cxml_next_sibling(const cxml_node *node) { return (const cxml_node *)NODE(node)->next; }
const char *cxml_node_name(const cxml_node *node) { return (const char *)NODE(node)->name; }
const char *cxml_node_namespace(const cxml_node *node) {
    return NODE(node)->ns ? (const char *)NODE(node)->ns->href : NULL;
}
const char *cxml_node_prefix(const cxml_node *node) {
    return NODE(node)->ns ? (const char *)NODE(node)->ns->prefix : NULL;
}
const char *cxml_node_text(const cxml_node *node) { return (const char *)NODE(node)->content; }

#define ATTR(a) ((const xmlAttr *)(a))

const cxml_attribute *cxml_first_attribute(const cxml_node *element) {
    return (const cxml_attribute *)NODE(element)->properties;
}
const cxml_attribute *cxml_next_attribute(const cxml_attribute *a) { return (const cxml_attribute *)ATTR(a)->next; }
const char *cxml_attribute_name(const cxml_attribute *a) { return (const char *)ATTR(a)->name; }
const char *cxml_attribute_namespace(const cxml_attribute *a) {
    return ATTR(a)->ns ? (const char *)ATTR(a)->ns->href : NULL;
}
const char *cxml_attribute_prefix(const cxml_attribute *a) {
    return ATTR(a)->ns ? (const char *)ATTR(a)->ns->prefix : NULL;
}
const cxml_node *cxml_attribute_value(const cxml_attribute *a) { return (const cxml_node *)ATTR(a)->children; }

#define NS(d) ((const xmlNs *)(d))

const cxml_namespace *cxml_first_declaration(const cxml_node *element) {
    return (const cxml_namespace *)NODE(element)->nsDef;
}
const cxml_namespace *cxml_next_declaration(const cxml_namespace *d) { return (const cxml_namespace *)NS(d)->next; }
const char *cxml_declaration_prefix(const cxml_namespace *d) { return (const char *)NS(d)->prefix; }
const char *cxml_declaration_uri(const cxml_namespace *d) { return (const char *)NS(d)->href; }
