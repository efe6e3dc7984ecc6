# A build image with five data disks: one too many, and one larger than 500 GiB.
resource "alicloud_image" "build" {
  image_name = "build-2026-11"
  platform   = "Ubuntu"

  disk_device_mapping {
    disk_type   = "system"
    device      = "/dev/xvda"
    size        = 40
    snapshot_id = "s-bp1system000000001"
  }
  disk_device_mapping {
    disk_type   = "data"
    device      = "/dev/xvdb"
    size        = 100
    snapshot_id = "s-bp1data00000000001"
  }
  disk_device_mapping {
    disk_type   = "data"
    device      = "/dev/xvdc"
    size        = 600
    snapshot_id = "s-bp1data00000000002"
  }
  disk_device_mapping {
    disk_type   = "data"
    device      = "/dev/xvdd"
    size        = 100
    snapshot_id = "s-bp1data00000000003"
  }
  disk_device_mapping {
    disk_type   = "data"
    device      = "/dev/xvde"
    size        = 100
    snapshot_id = "s-bp1data00000000004"
  }
  disk_device_mapping {
    disk_type   = "data"
    device      = "/dev/xvdf"
    size        = 50
    snapshot_id = "s-bp1data00000000005"
  }
}

resource "alicloud_image" "windows" {
  image_name  = "win-2019-base"
  platform    = "Windows Server 2019"
  snapshot_id = data.alicloud_ecs_snapshots.win_system.snapshots[0].id
}
