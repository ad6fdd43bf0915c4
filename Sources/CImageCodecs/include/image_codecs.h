// Placeholder: replaced by the codec target.
int ic_placeholder(void);
