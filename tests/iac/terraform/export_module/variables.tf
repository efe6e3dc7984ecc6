variable "region" {
  type    = string
  default = "cn-hangzhou"
}

variable "bucket_name" {
  type        = string
  description = "Where exported images are written (set in terraform.tfvars)."
}

variable "export_prefix" {
  type    = string
  default = "EcsExport"
}

variable "archive_kms_key" {
  type = string
}
