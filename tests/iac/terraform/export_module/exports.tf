resource "alicloud_image_export" "build" {
  image_id   = alicloud_image.build.id
  oss_bucket = alicloud_oss_bucket.exports.bucket
  oss_prefix = local.prefix
}

resource "alicloud_image_export" "windows" {
  image_id   = alicloud_image.windows.id
  oss_bucket = alicloud_oss_bucket.archive.id
}

# The golden image comes from a data source: nothing about it is known before apply.
resource "alicloud_image_export" "golden" {
  image_id   = data.alicloud_images.golden.images[0].id
  oss_bucket = "corp-image-exports"
  oss_prefix = "golden"
}

resource "alicloud_instance" "unrelated" {
  instance_type = "ecs.g7.large"
  image_id      = alicloud_image.build.id
}
