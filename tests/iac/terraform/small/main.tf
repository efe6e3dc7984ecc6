provider "alicloud" {
  region = "cn-hangzhou"
}

resource "alicloud_oss_bucket" "exports" {
  bucket = "team-image-exports"
}

resource "alicloud_ram_role" "export" {
  role_name                   = "AliyunECSImageExportDefaultRole"
  assume_role_policy_document = <<EOF
{"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}
EOF
}

resource "alicloud_ram_role_policy_attachment" "export" {
  role_name   = alicloud_ram_role.export.role_name
  policy_name = "AliyunECSImageExportRolePolicy"
  policy_type = "System"
}

resource "alicloud_image_export" "nightly" {
  image_id   = "m-bp1g7004ksh0oeuc0001"
  oss_bucket = alicloud_oss_bucket.exports.bucket
  oss_prefix = "nightly"
}
