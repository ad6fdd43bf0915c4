// Placeholder: replaced by the ModelFormats module.
