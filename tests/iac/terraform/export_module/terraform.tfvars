bucket_name = "corp-image-exports"
