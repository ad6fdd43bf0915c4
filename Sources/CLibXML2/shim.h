// CLibXML2: only the compiler and linker flags of libxml2 (pkg-config libxml-2.0), for the CXML
// C target, which is the one caller. Swift never imports this module: libxml2's headers pull in
// the system ICU, whose declarations clash with the ICU inside Foundation.
#include <libxml/parser.h>
