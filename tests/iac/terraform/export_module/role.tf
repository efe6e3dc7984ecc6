resource "alicloud_ram_role" "export" {
  role_name                   = "AliyunECSImageExportDefaultRole"
  assume_role_policy_document = local.ecs_trust
  description                 = "Lets ECS write exported images to OSS."
}

resource "alicloud_ram_policy" "export" {
  policy_name     = "EcsImageExportWriter"
  policy_document = <<EOF
{
  "Version": "1",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["oss:GetBucketLocation", "oss:GetBucketInfo", "oss:ListMultipartUploads"],
      "Resource": ["acs:oss:*:*:corp-image-exports"]
    },
    {
      "Effect": "Allow",
      "Action": ["oss:PutObject", "oss:GetObject", "oss:DeleteObject", "oss:ListParts", "oss:AbortMultipartUpload"],
      "Resource": ["acs:oss:*:*:corp-image-exports/*"]
    }
  ]
}
EOF
}

resource "alicloud_ram_role_policy_attachment" "export" {
  role_name   = alicloud_ram_role.export.name
  policy_name = alicloud_ram_policy.export.policy_name
  policy_type = "Custom"
}
