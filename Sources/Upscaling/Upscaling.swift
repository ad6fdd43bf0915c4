// Upscaling
