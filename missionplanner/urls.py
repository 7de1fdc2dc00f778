from django.contrib import admin
from django.urls import path

from missionplanner import views

admin.site.site_header = "Mission Planner administration"
admin.site.site_title = "Mission Planner"
admin.site.index_title = "Delegations, members and itineraries"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
