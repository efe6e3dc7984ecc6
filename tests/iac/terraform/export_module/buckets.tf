resource "alicloud_oss_bucket" "exports" {
  bucket        = var.bucket_name
  storage_class = "Standard"
}

# Encryption is managed separately (org policy), which breaks ExportImage.
resource "alicloud_oss_bucket_server_side_encryption" "exports" {
  bucket        = alicloud_oss_bucket.exports.bucket
  sse_algorithm = "KMS"
}

# preflight:ignore=PF501 reason="read-only mirror for the partner; tracked in SEC-1234" expires=2099-12-31
resource "alicloud_oss_bucket_acl" "exports" {
  bucket = alicloud_oss_bucket.exports.id
  acl    = "public-read"
}

resource "alicloud_oss_bucket_policy" "exports" {
  bucket = alicloud_oss_bucket.exports.bucket
  policy = <<-POLICY
    {
      "Version": "1",
      "Statement": [{
        "Effect": "Allow",
        "Principal": ["1234567890123456"],
        "Action": ["oss:GetObject"],
        "Resource": ["acs:oss:*:1234567890123456:${var.bucket_name}/*"]
      }]
    }
  POLICY
}

resource "alicloud_oss_bucket" "archive" {
  provider      = alicloud.singapore
  bucket        = "corp-image-archive"
  storage_class = "Archive"

  server_side_encryption_rule {
    sse_algorithm     = "KMS"
    kms_master_key_id = var.archive_kms_key
  }
}
