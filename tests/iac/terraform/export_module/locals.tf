locals {
  prefix = var.export_prefix
  ecs_trust = jsonencode({
    Version = "1"
    Statement = [{
      Action    = "sts:AssumeRole"
      Effect    = "Allow"
      Principal = { Service = ["ecs.aliyuncs.com"] }
    }]
  })
}

data "alicloud_images" "golden" {
  owners     = "self"
  name_regex = "^golden-"
}

data "alicloud_ecs_snapshots" "win_system" {
  name_regex = "^win-system-"
}
