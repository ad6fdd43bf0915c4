int ic_placeholder(void) { return 0; }
