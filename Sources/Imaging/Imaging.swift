// Placeholder: replaced by the Imaging module.
